from django.urls import path

from appointments.views import booking, feed, mine

app_name = "appointments"
urlpatterns = [
    path("book/", booking.book_start, name="book"),
    path("book/<slug:slug>/", booking.book_treatment, name="book-treatment"),
    path("book/<slug:slug>/confirm/", booking.book_confirm, name="book-confirm"),
    path("me/appointments/", mine.my_appointments, name="mine"),
    path("me/appointments/<int:pk>/cancel/", mine.cancel, name="cancel"),
    path("me/appointments/<int:pk>/move/", mine.reschedule, name="reschedule"),
    path("me/appointments/<int:pk>/calendar.ics", mine.calendar_entry, name="ics"),
    path("calendar/feeds/<str:token>.ics", feed.calendar_feed, name="calendar-feed"),
]
