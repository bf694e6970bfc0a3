from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from treatments import selectors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "treatments/home.html", {"treatments": selectors.treatment_list()})


def treatment_detail(request: HttpRequest, slug: str) -> HttpResponse:
    treatment = selectors.treatment_get(slug=slug)
    contraindications = selectors.contraindications_for(
        treatment, list(selectors.contraindication_list())
    )
    return render(
        request,
        "treatments/detail.html",
        {"treatment": treatment, "contraindications": contraindications},
    )
