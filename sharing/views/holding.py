"""(being written)"""
urlpatterns: list = []


def request_actions(*, user, membership, request, roles) -> list:
    return []
