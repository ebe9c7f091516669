"""One way of writing dates across the app, the admin and the review desk: 2026-12-07 14:05 (UTC),
the way the pages' own templates write them. Django's English default ("Dec. 7, 2026, 2:05 p.m.")
put two formats on one page wherever the admin showed a date field beside them."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
