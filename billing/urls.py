from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("invoices/<int:pk>/receipt.pdf", views.receipt, name="receipt"),
]
