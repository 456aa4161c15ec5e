"""The portal's date and time formats, set once (issue 18): times are 24-hour with a leading zero
("07:09") wherever a date or time is shown without a format of its own, as the templates' own
formats ("j F Y, H:i") already are. Django reads this through FORMAT_MODULE_PATH."""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
