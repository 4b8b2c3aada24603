"""The host's view: records a visit and starts the review in one transaction."""

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from visits.models import Visit

import reviewflow as rf
import reviewflow.contrib.django as rf_django


@transaction.atomic
def start_visit(request: HttpRequest, review_id: str) -> JsonResponse:
    """POST actor, note, the version the form showed (optional), and fail=1 to fail after
    both writes, as a later bug would."""
    Visit.objects.create(review_id=review_id, note=request.POST["note"])
    version = int(request.POST["version"]) if "version" in request.POST else None
    try:
        review = rf_django.service().start(
            request.POST["actor"], review_id, expected_version=version
        )
    except rf.ReviewflowError as error:
        transaction.set_rollback(True)  # the host's choice: no visit without its step
        return JsonResponse({"error": type(error).__name__}, status=409)
    if request.POST.get("fail"):
        raise RuntimeError("the host failed after the step")
    return JsonResponse({"state": review.state.value, "version": review.version})
