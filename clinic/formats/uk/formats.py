"""Ukrainian: day first, month in the genitive ("30 листопада 2026"), a 24-hour clock; the
same shapes as the clinic's English (clinic/formats/en)."""

DATE_FORMAT = "j E Y"  # 30 листопада 2026
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j E Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j E"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
