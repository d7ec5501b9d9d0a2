"""Personal data corpus, French and English: everything listed is masked; look-alikes are not."""

from __future__ import annotations

import pytest

from hub.forum.masking import MASK, mask

MASKED = [
    # French phone numbers in every usual format
    ("Appelez-moi au 06 12 34 56 78 svp", "phone"),
    ("mon numéro 06.12.34.56.78", "phone"),
    ("tel: 06-12-34-56-78", "phone"),
    ("0612345678 merci", "phone"),
    ("fixe 01 23 45 67 89", "phone"),
    ("+33 6 12 34 56 78", "phone"),
    ("+33612345678", "phone"),
    ("+33 (0)6 12 34 56 78", "phone"),
    ("0033 6 12 34 56 78", "phone"),
    ("0033612345678", "phone"),
    ("+33 7 81 22 33 44 is my mobile", "phone"),
    ("call me on 07 81 22 33 44 tonight", "phone"),
    ("n° 09\u00a072\u00a012\u00a034\u00a056 (box)", "phone"),
    # emails
    ("écrivez à lea.dubois@example.fr", "email"),
    ("my address is john.smith+forum@mail.example.co.uk.", "email"),
    ("contact: KARIM_B@Exemple.FR", "email"),
    # IBANs
    ("IBAN FR76 3000 6000 0112 3456 7890 189 pour le prélèvement", "iban"),
    ("FR7630006000011234567890189", "iban"),
    ("my iban is fr76 3000 6000 0112 3456 7890 189", "iban"),
    ("GB82 WEST 1234 5698 7654 32 (UK account)", "iban"),
    # customer account numbers (the default pattern)
    ("mon compte client CL12345678", "account"),
    ("account CL-87654321 please", "account"),
]

KEPT = [
    "Mon forfait 100 Go coûte 19,99 € par mois",
    "La box redémarre toutes les 10 minutes depuis le 12/11/2026",
    "Firmware 6.12.34 sur la Livebox 7",
    "I waited 45 minutes on hold, ticket 12345",
    "Le débit est de 940 Mb/s en Wi-Fi 6",
    "commande CMD-9001 livrée",
    "facture F2026-0001",
]


@pytest.mark.parametrize(("text", "kind"), MASKED)
def test_personal_data_is_masked(text: str, kind: str) -> None:
    result = mask(text)
    assert result.changed and kind in result.kinds, (text, result)
    assert MASK in result.text
    digits = "".join(ch for ch in result.text if ch.isdigit())
    assert len(digits) < 6, f"digits left in {result.text!r}"
    assert "@" not in result.text


@pytest.mark.parametrize("text", KEPT)
def test_look_alikes_are_kept(text: str) -> None:
    result = mask(text)
    assert not result.changed and result.text == text


def test_account_pattern_is_a_setting() -> None:
    assert not mask("dossier AB-123456").changed
    assert mask("dossier AB-123456", account_pattern=r"\bAB-\d{6}\b").kinds == ("account",)


def test_several_kinds_at_once() -> None:
    result = mask("06 12 34 56 78 / lea@example.fr / FR76 3000 6000 0112 3456 7890 189")
    assert set(result.kinds) == {"phone", "email", "iban"}
    assert result.text.count(MASK) == 3
