# ruff: noqa: E501  (the strings must match the database text exactly)
"""The seeded catalog's patient-facing wording, marked for translation.

The catalog lives in the database (seeded by treatments/migrations/0002_seed_catalog.py
and the consent text by patients/migrations/0002_consent_v1.py); pages show it through
`{% translate value %}`, so these strings need to be in the message catalog. A text the
manager later edits in the admin is simply shown as written.
"""

from django.utils.translation import gettext_noop

CATALOG_STRINGS = [
    gettext_noop("Initial dermatologist consultation"),
    gettext_noop(
        "A dermatologist reviews your skin and health and plans your treatment. Required before any course."
    ),
    gettext_noop(
        "At the first consultation a dermatologist takes your history, assesses your skin, checks every contraindication to microcurrents and, if the treatment suits you, plans the course with you."
    ),
    gettext_noop("Microcurrent therapy, face"),
    gettext_noop(
        "A weak pulsed current restores tone and elasticity of facial skin. Course of 7 to 10 sessions."
    ),
    gettext_noop(
        "Microcurrent therapy gently acts on the skin, muscles, blood and lymph vessels of the face. The skin is cleansed, a conductive gel is applied and the doctor runs a program chosen for you. Painless, with no recovery time."
    ),
    gettext_noop("Microcurrent therapy, body"),
    gettext_noop(
        "Microcurrents for body skin tone, cellulite, stretch marks and lymph drainage. Course of 7 to 10 sessions."
    ),
    gettext_noop(
        "The same gentle pulsed current applied to the body: improves skin tone and microcirculation, reduces cellulite and the look of stretch marks."
    ),
    gettext_noop("Microcurrent massage, face"),
    gettext_noop(
        "Slow, lasting rejuvenation of face muscles and tissues. About 20 sessions, at least twice a week."
    ),
    gettext_noop(
        "Microcurrent massage restores the balance of tense and weak facial muscles and drains swelling. It works slowly: the course is about 20 sessions, at least twice a week, for a stable result."
    ),
    gettext_noop("Microcurrent massage, body"),
    gettext_noop(
        "Drains swelling and edematous cellulite; prepares for and speeds recovery after surgery. About 20 sessions, at least twice a week."
    ),
    gettext_noop(
        "Microcurrent massage of the body improves microcirculation and drains tissues. About 20 sessions, at least twice a week."
    ),
    gettext_noop("Prevention of skin ageing"),
    gettext_noop("Skin rejuvenation: smoother wrinkles, firmer, more elastic skin"),
    gettext_noop("Face oval correction"),
    gettext_noop("Restoring the skin's natural framework"),
    gettext_noop("Dehydrated skin"),
    gettext_noop("Puffiness and dark circles under the eyes"),
    gettext_noop("Hyperpigmentation"),
    gettext_noop("Oily skin, enlarged pores, acne and rosacea"),
    gettext_noop("Cellulite, stretch marks, post-acne marks and scars"),
    gettext_noop("Muscle spasms"),
    gettext_noop("Poor microcirculation and lymph drainage"),
    gettext_noop("Recovery after chemical and mechanical peels"),
    gettext_noop("Swelling, including after filler injections"),
    gettext_noop("Certain skin conditions, such as rosacea"),
    gettext_noop("Overly tense facial muscles (hypertonicity)"),
    gettext_noop("Cellulite with swelling (edematous cellulite)"),
    gettext_noop("Recovery after plastic surgery"),
    gettext_noop("Preparing tissues before surgery"),
    gettext_noop("Exacerbation of a cardiovascular disease"),
    gettext_noop("A flare-up of a heart or blood vessel disease"),
    gettext_noop(
        "Do you currently have a flare-up of a heart or blood vessel condition (for example chest pain, a recent heart attack, or blood pressure that is not under control)?"
    ),
    gettext_noop("Epilepsy"),
    gettext_noop("Epilepsy or seizures"),
    gettext_noop("Have you ever been diagnosed with epilepsy or had seizures?"),
    gettext_noop("Malignant tumours"),
    gettext_noop("Cancer (a malignant tumour), now or under treatment"),
    gettext_noop("Do you have cancer (a malignant tumour), or are you being treated for it?"),
    gettext_noop("Pregnancy and breastfeeding"),
    gettext_noop("Pregnancy or breastfeeding"),
    gettext_noop("Are you pregnant, could you be pregnant, or are you breastfeeding?"),
    gettext_noop("Artificial pacemaker"),
    gettext_noop("A pacemaker or another implanted heart device"),
    gettext_noop("Do you have a pacemaker or another electronic device implanted in your body?"),
    gettext_noop("Cardiac arrhythmia"),
    gettext_noop("An irregular heartbeat (arrhythmia)"),
    gettext_noop("Have you been told you have an irregular heartbeat (arrhythmia)?"),
    gettext_noop("Gold threads in the treated area"),
    gettext_noop("Gold threads placed under the skin of the area to be treated"),
    gettext_noop("Do you have gold threads under the skin in the area you want treated?"),
    gettext_noop("Skin lesions"),
    gettext_noop("Cuts, wounds, burns or other damaged skin in the area"),
    gettext_noop(
        "Do you have any cuts, wounds, burns or other damaged skin in the area you want treated?"
    ),
    gettext_noop("Atopic dermatitis"),
    gettext_noop("Atopic dermatitis (atopic eczema) in the area"),
    gettext_noop("Do you have atopic dermatitis (atopic eczema) in the area you want treated?"),
    gettext_noop("Inflammatory elements"),
    gettext_noop("Inflamed spots or pimples in the area"),
    gettext_noop(
        "Do you have inflamed spots, pimples or other inflammation in the area you want treated?"
    ),
    gettext_noop(
        "I agree to receive microcurrent therapy or microcurrent massage at the clinic.\n\nThe dermatologist has explained how the procedure works (a weak pulsed current applied\nthrough a conductive gel), what result I can expect and that it builds up over a course of\nsessions, and that there is no recovery period.\n\nI confirm that I answered the safety questionnaire truthfully and that I will tell the\nclinic before any session if anything changes: a pacemaker or other implant, epilepsy,\ncancer, pregnancy or breastfeeding, heart problems, gold threads, damaged or inflamed skin,\nor atopic dermatitis in the area to be treated.\n\nI know that I may stop the course at any time."
    ),
]
