"""Identifiers of people, employers and cases, in one place: resident ID numbers, unified
social credit codes, phone numbers, personal names, case numbers, digits as typed, and the
masking of all of them. ``nlu``, ``dialogs``, ``backend`` and ``bot`` all use this package; it
imports none of them."""

from identifiers.case_numbers import (
    CASE_NUMBER_IN_TEXT,
    find_case_numbers,
    format_case_number,
    normalise_case_number,
)
from identifiers.credit_code import credit_code_problem, normalise_credit_code
from identifiers.digits import ascii_digit, digit_string, plain_digits, small_int
from identifiers.masking import mask_id, mask_phone, mask_text
from identifiers.names import (
    COMPOUND_SURNAMES,
    ROLES,
    SURNAMES,
    bare_name,
    has_known_surname,
    name_plausibility,
    surname_length,
)
from identifiers.numbers import NumberCheck, check_number, id_shaped
from identifiers.phone import MOBILE, PhoneCheck, check_phone, phone_digits
from identifiers.resident_id import (
    PROVINCES,
    IdCheck,
    birth_date,
    check_id_number,
    id_number_problem,
    normalise_id_number,
)

__all__ = [
    "CASE_NUMBER_IN_TEXT",
    "COMPOUND_SURNAMES",
    "MOBILE",
    "PROVINCES",
    "ROLES",
    "SURNAMES",
    "IdCheck",
    "NumberCheck",
    "PhoneCheck",
    "ascii_digit",
    "bare_name",
    "birth_date",
    "check_id_number",
    "check_number",
    "check_phone",
    "credit_code_problem",
    "digit_string",
    "find_case_numbers",
    "format_case_number",
    "has_known_surname",
    "id_number_problem",
    "id_shaped",
    "mask_id",
    "mask_phone",
    "mask_text",
    "name_plausibility",
    "normalise_case_number",
    "normalise_credit_code",
    "normalise_id_number",
    "phone_digits",
    "plain_digits",
    "small_int",
    "surname_length",
]
