from rest_framework.routers import SimpleRouter

from treatments.api import TreatmentViewSet

router = SimpleRouter()
router.register("treatments", TreatmentViewSet, basename="treatment")
urlpatterns = router.urls
