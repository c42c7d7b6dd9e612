"""The borrower's surveys. (Personal offers are answered on the top floor, in
zaymer.borrower_api.offers: accepting one runs the lifecycle across apps.)"""

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clientapi.api import BorrowerApi, errors, valid
from feedback import selectors, services
from feedback import serializers as s
from feedback.models import Survey


class SurveyViewSet(BorrowerApi, viewsets.GenericViewSet):
    serializer_class = s.SurveySerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Survey.objects.none()
        return selectors.borrower_open_surveys(borrower=self.request.user.borrower)

    @extend_schema(responses={200: s.SurveySerializer(many=True), **errors()})
    def list(self, request):
        """Surveys waiting for an answer (one per repaid loan)."""
        return Response(s.SurveySerializer(self.get_queryset(), many=True).data)

    @extend_schema(
        request=s.SurveyAnswerSerializer,
        responses={201: s.SurveySerializer, **errors(409)},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Answer once: NPS 0–10, CSAT 1–5, the stage it is about and, if you like, a comment."""
        data = valid(s.SurveyAnswerSerializer, request.data)
        survey = selectors.borrower_survey(borrower=request.user.borrower, pk=pk)
        survey = services.survey_answer(survey=survey, **data)
        return Response(s.SurveySerializer(survey).data, status=status.HTTP_201_CREATED)
