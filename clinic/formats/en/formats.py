"""English as this clinic writes it: day first and a 24-hour clock, like the Ukrainian
pages beside it (Django's own English would say "Nov. 30, 2026", "2:59 p.m." and "noon").
Only what is shown is set here; what forms accept stays Django's."""

DATE_FORMAT = "j F Y"  # 30 November 2026
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
