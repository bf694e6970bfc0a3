"""Template helpers of the staff pages: which entries the navigation shows a role."""

from django import template

from clinic.roles import Action, can_ever

register = template.Library()


@register.filter
def may(user, action: str) -> bool:
    """`{% if user|may:"desk.view" %}`: may this login ever take the action?"""
    return can_ever(user, Action(action))
