"""The gateway's key of a payout order: `<prefix>-<id>[-<id>…]`, e.g. a loan's
`payout-<loan>-<attempt>`. Built and taken apart here for every kind of order."""


def build_key(prefix: str, *ids: int) -> str:
    return "-".join([prefix, *(str(int(i)) for i in ids)])


def split_key(key: object, *, prefix: str, digits: tuple[int, ...]) -> tuple[int, ...] | None:
    """The ids a key of this prefix names (each at most its number of `digits`), or None when
    it is not such a key."""
    if not isinstance(key, str) or not key.startswith(f"{prefix}-"):
        return None
    parts = key[len(prefix) + 1 :].split("-")
    if len(parts) != len(digits):
        return None
    if not all(
        p.isascii() and p.isdigit() and len(p) <= n for p, n in zip(parts, digits, strict=True)
    ):
        return None
    return tuple(int(p) for p in parts)
