"""Two small helpers the simulated behaviour shares."""

import math


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def round_down(value: float, step: int) -> int:
    return int(value // step * step)
