from django.urls import path

from billing import views

app_name = "billing"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("invoices/<int:pk>/receipt.pdf", views.receipt, name="receipt"),
    path("invoices/<int:pk>/pay/", views.pay, name="pay"),
    path("packages/<int:pk>/buy/", views.package_buy, name="package-buy"),
    path("payments/<int:pk>/", views.payment_result, name="payment"),
    path("payments/<int:pk>/test-checkout/", views.test_checkout, name="test-checkout"),
]
