"""Hong Kong's number and date formats over Django's zh_Hant ones (Taiwan's).

Django's zh_Hant groups digits by four with no separator; Hong Kong writes 12,345. Its
month and day pads the month ("09月5日"); Hong Kong writes 9月5日.
"""

from __future__ import annotations

DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
