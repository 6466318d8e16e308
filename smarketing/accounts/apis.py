from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from smarketing.accounts.permissions import IsWorkspaceAdmin, IsWorkspaceMember
from smarketing.core.api import PatchInputSerializer, StrictInputSerializer

from . import selectors, services, throttles
from .models import Role, Team, User


class MemberOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "team"]


class MeApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=MemberOutputSerializer)
    def get(self, request):
        return Response(MemberOutputSerializer(request.user).data)


class MemberListApi(APIView):
    permission_classes = [IsWorkspaceMember]

    @extend_schema(responses=MemberOutputSerializer(many=True))
    def get(self, request):
        return Response(MemberOutputSerializer(selectors.member_list(), many=True).data)


class MemberUpdateApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(PatchInputSerializer):
        role = serializers.ChoiceField(choices=Role.choices, required=False)
        team = serializers.ChoiceField(choices=Team.choices, required=False)

    @extend_schema(request=InputSerializer, responses=MemberOutputSerializer)
    def patch(self, request, pk: int):
        member = get_object_or_404(User, pk=pk, is_active=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_update(
            changed_by=request.user, member=member, **data.validated_data
        )
        return Response(MemberOutputSerializer(member).data)


class InvitationApi(APIView):
    permission_classes = [IsWorkspaceAdmin]

    class InputSerializer(StrictInputSerializer):
        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=Role.choices)
        team = serializers.ChoiceField(choices=Team.choices)

    class OutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        email = serializers.EmailField()
        role = serializers.CharField()
        team = serializers.CharField()
        created_at = serializers.DateTimeField()
        expires_at = serializers.DateTimeField()

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return Response(self.OutputSerializer(selectors.invitation_pending_list(), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: OutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            invitation, _token = services.invitation_create(
                invited_by=request.user, **data.validated_data
            )
        except throttles.RateLimited as error:
            raise exceptions.Throttled(wait=error.retry_after, detail=str(error)) from error
        return Response(self.OutputSerializer(invitation).data, status=status.HTTP_201_CREATED)
