"""After a loan is repaid: the night offers a survey (and the loyalty tier and personal offer
of the feedback app); some borrowers answer it within a few days, happier the smoother the loan
went. The answers draw from their own random stream (`feedback_rng`), so the loans are the same
whoever answers."""

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from feedback import services as feedback_services
from feedback.models import Repayment, Stage, Survey

# repayment → (chance to answer, NPS weights for 0…10, the stage a complaint is about)
ANSWERS: dict[str, tuple[float, tuple[int, ...], str]] = {
    Repayment.ON_TIME: (0.42, (1, 0, 0, 1, 1, 2, 3, 7, 14, 22, 25), Stage.PAYOUT),
    Repayment.LATE: (0.33, (2, 1, 1, 2, 3, 5, 7, 10, 12, 8, 6), Stage.SERVICING),
    Repayment.AFTER_COLLECTION: (0.2, (9, 5, 6, 7, 7, 8, 7, 6, 4, 3, 2), Stage.COLLECTION),
}


class FeedbackMixin:
    """The night's surveys and offers for each closed day, and the borrowers' answers."""

    # What it uses of the composed simulator.
    feedback_rng: random.Random
    today: date
    report: Any
    at: Callable[[date, float], datetime]
    push: Callable[..., None]

    def _surveys_and_offers(self, day: date) -> None:
        rng = self.feedback_rng
        feedback_services.surveys_offer(on=day)
        feedback_services.offers_daily(on=day)
        for survey in Survey.objects.filter(offered_on=day).order_by("pk"):
            chance, weights, stage = ANSWERS[survey.repayment]
            if rng.random() < chance:
                nps = rng.choices(range(11), weights)[0]
                when = day + timedelta(days=1 + int(rng.expovariate(1 / 1.5)))
                moment = self.at(min(when, self.today), rng.uniform(9 * 3600, 23 * 3600))
                self.push(moment, self.ev_answer, survey.pk, nps, stage if nps <= 6 else "")

    def ev_answer(self, survey_id: int, nps: int, complaint_stage: str) -> None:
        rng = self.feedback_rng
        csat = max(1, min(5, round(nps / 2 + rng.gauss(0, 0.6))))
        feedback_services.survey_answer(
            survey=Survey.objects.get(pk=survey_id),
            nps=nps,
            csat=csat,
            stage=complaint_stage or rng.choice((Stage.APPLICATION, Stage.PAYOUT)),
        )
        self.report.survey_answers += 1
