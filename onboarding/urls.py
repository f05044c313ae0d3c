from django.urls import path

from onboarding.views import activity, dashboard, members, preferences, staff

app_name = "onboarding"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("welcome/", dashboard.no_environment, name="no_environment"),
    path("environment/switch/", members.environment_switch, name="environment_switch"),
    path("users/", members.members, name="members"),
    path("users/invite/", members.invite, name="invite"),
    path("users/<int:pk>/role/", members.member_role, name="member_role"),
    path("users/<int:pk>/remove/", members.member_remove, name="member_remove"),
    path("invitations/<int:pk>/revoke/", members.invitation_revoke, name="invitation_revoke"),
    path("invitations/accept/<str:token>/", members.invitation_accept,
         name="invitation_accept"),
    path("activity/", activity.activity, name="activity"),
    path("staff/", staff.staff_home, name="staff_home"),
    path("language/", preferences.set_language, name="set_language"),
]
