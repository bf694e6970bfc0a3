"""The seeded catalog, from the two seed texts (treatments/seeds/).

Wording in `source_text` is the seed's own, so tests can check every item is here.
Frozen in this migration on purpose: later catalog edits are the manager's, in the admin.
"""

from decimal import Decimal

from django.db import migrations

# (slug, plain name, seed wording, source)
INDICATIONS = [
    ("prevention-of-aging", "Prevention of skin ageing", "prevention of aging", "000"),
    ("skin-rejuvenation", "Skin rejuvenation: smoother wrinkles, firmer, more elastic skin",
     "skin rejuvenation (smoothing wrinkles + increasing elasticity and restoring skin elasticity)", "000"),
    ("face-oval-correction", "Face oval correction", "face oval correction", "000"),
    ("skin-frame-restoration", "Restoring the skin's natural framework",
     "restoration of the natural skin frame", "000"),
    ("skin-dehydration", "Dehydrated skin", "combat dehydration of the skin", "000"),
    ("edema-and-under-eye-bruises", "Puffiness and dark circles under the eyes",
     "removal of edema, elimination of bruises under the eyes", "000"),
    ("hyperpigmentation", "Hyperpigmentation", "eliminate hyperpigmentation", "000"),
    ("oily-skin-pores-acne-rosacea", "Oily skin, enlarged pores, acne and rosacea",
     "treatment of oily skin, narrowing of pores, elimination of acne, rosacea, rosacea", "000"),
    ("cellulite-stretch-marks-scars", "Cellulite, stretch marks, post-acne marks and scars",
     "reducing the severity of cellulite, stretch marks, post-acne, scars", "000"),
    ("muscle-spasms", "Muscle spasms", "relieve muscle spasms", "000"),
    ("microcirculation-lymph-drainage", "Poor microcirculation and lymph drainage",
     "restoration of microcirculation and lymphatic drainage", "000"),
    ("recovery-after-peels", "Recovery after chemical and mechanical peels",
     "recovery after peels (chemical and mechanical)", "000"),
    ("edema-after-fillers", "Swelling, including after filler injections",
     "edema (including after the introduction of fillers)", "003"),
    ("dermatoses-rosacea", "Certain skin conditions, such as rosacea",
     "certain dermatoses (e.g. rosacea)", "003"),
    ("muscle-hypertonicity", "Overly tense facial muscles (hypertonicity)",
     "muscle hypertonicity", "003"),
    ("edematous-cellulite", "Cellulite with swelling (edematous cellulite)",
     "edematous forms of cellulite", "003"),
    ("rehab-after-plastic-surgery", "Recovery after plastic surgery",
     "rehabilitation after plastic surgery", "003"),
    ("preparation-before-surgery", "Preparing tissues before surgery",
     "Microcurrent massage is prescribed before surgery to improve microcirculation in tissues.", "003"),
]

# (slug, name, plain words, seed wording, scope, kind, screening question)
CONTRAINDICATIONS = [
    ("cardiovascular-exacerbation", "Exacerbation of a cardiovascular disease",
     "A flare-up of a heart or blood vessel disease",
     "exacerbations of diseases of the cardiovascular system", "systemic", "temporary",
     "Do you currently have a flare-up of a heart or blood vessel condition "
     "(for example chest pain, a recent heart attack, or blood pressure that is not under control)?"),
    ("epilepsy", "Epilepsy", "Epilepsy or seizures", "epilepsy", "systemic", "permanent",
     "Have you ever been diagnosed with epilepsy or had seizures?"),
    ("malignant-tumours", "Malignant tumours", "Cancer (a malignant tumour), now or under treatment",
     "malignant tumors", "systemic", "permanent",
     "Do you have cancer (a malignant tumour), or are you being treated for it?"),
    ("pregnancy-breastfeeding", "Pregnancy and breastfeeding", "Pregnancy or breastfeeding",
     "pregnancy and breastfeeding", "systemic", "temporary",
     "Are you pregnant, could you be pregnant, or are you breastfeeding?"),
    ("pacemaker", "Artificial pacemaker", "A pacemaker or another implanted heart device",
     "presence of an artificial pacemaker", "systemic", "permanent",
     "Do you have a pacemaker or another electronic device implanted in your body?"),
    ("cardiac-arrhythmia", "Cardiac arrhythmia", "An irregular heartbeat (arrhythmia)",
     "cardiac arrhythmias", "systemic", "permanent",
     "Have you been told you have an irregular heartbeat (arrhythmia)?"),
    ("gold-threads", "Gold threads in the treated area",
     "Gold threads placed under the skin of the area to be treated",
     "presence of gold threads in the treated area", "local", "permanent",
     "Do you have gold threads under the skin in the area you want treated?"),
    ("skin-lesions", "Skin lesions", "Cuts, wounds, burns or other damaged skin in the area",
     "skin lesions", "local", "temporary",
     "Do you have any cuts, wounds, burns or other damaged skin in the area you want treated?"),
    ("atopic-dermatitis", "Atopic dermatitis", "Atopic dermatitis (atopic eczema) in the area",
     "atopic dermatitis", "local", "permanent",
     "Do you have atopic dermatitis (atopic eczema) in the area you want treated?"),
    ("inflammatory-elements", "Inflammatory elements", "Inflamed spots or pimples in the area",
     "inflammatory elements", "local", "temporary",
     "Do you have inflamed spots, pimples or other inflammation in the area you want treated?"),
]

FACE_INDICATIONS = [
    "prevention-of-aging", "skin-rejuvenation", "face-oval-correction", "skin-frame-restoration",
    "skin-dehydration", "edema-and-under-eye-bruises", "hyperpigmentation",
    "oily-skin-pores-acne-rosacea", "cellulite-stretch-marks-scars", "muscle-spasms",
    "microcirculation-lymph-drainage", "recovery-after-peels",
]
BODY_INDICATIONS = [
    "skin-rejuvenation", "skin-dehydration", "cellulite-stretch-marks-scars", "muscle-spasms",
    "microcirculation-lymph-drainage",
]
MASSAGE_FACE_INDICATIONS = [
    "edema-after-fillers", "dermatoses-rosacea", "muscle-hypertonicity",
    "rehab-after-plastic-surgery", "preparation-before-surgery", "face-oval-correction",
]
MASSAGE_BODY_INDICATIONS = [
    "edema-after-fillers", "edematous-cellulite", "rehab-after-plastic-surgery",
    "preparation-before-surgery",
]

TREATMENTS = [
    dict(slug="initial-consultation", name="Initial dermatologist consultation", position=0,
         summary="A dermatologist reviews your skin and health and plans your treatment. "
                 "Required before any course.",
         description="At the first consultation a dermatologist takes your history, assesses "
                     "your skin, checks every contraindication to microcurrents and, if the "
                     "treatment suits you, plans the course with you.",
         is_consultation=True, body_area="", session_minutes=30, price=Decimal("800"),
         requires_device=False, indications=[]),
    dict(slug="microcurrent-therapy-face", name="Microcurrent therapy, face", position=1,
         summary="A weak pulsed current restores tone and elasticity of facial skin. "
                 "Course of 7 to 10 sessions.",
         description="Microcurrent therapy gently acts on the skin, muscles, blood and lymph "
                     "vessels of the face. The skin is cleansed, a conductive gel is applied and "
                     "the doctor runs a program chosen for you. Painless, with no recovery time.",
         body_area="face", session_minutes=45, price=Decimal("1500"), course_sessions_min=7,
         course_sessions_max=10, course_sessions_default=8, min_sessions_per_week=1,
         min_days_between_sessions=2, indications=FACE_INDICATIONS),
    dict(slug="microcurrent-therapy-body", name="Microcurrent therapy, body", position=2,
         summary="Microcurrents for body skin tone, cellulite, stretch marks and lymph drainage. "
                 "Course of 7 to 10 sessions.",
         description="The same gentle pulsed current applied to the body: improves skin tone and "
                     "microcirculation, reduces cellulite and the look of stretch marks.",
         body_area="body", session_minutes=60, price=Decimal("1800"), course_sessions_min=7,
         course_sessions_max=10, course_sessions_default=8, min_sessions_per_week=1,
         min_days_between_sessions=2, indications=BODY_INDICATIONS),
    dict(slug="microcurrent-massage-face", name="Microcurrent massage, face", position=3,
         summary="Slow, lasting rejuvenation of face muscles and tissues. About 20 sessions, "
                 "at least twice a week.",
         description="Microcurrent massage restores the balance of tense and weak facial muscles "
                     "and drains swelling. It works slowly: the course is about 20 sessions, at "
                     "least twice a week, for a stable result.",
         body_area="face", session_minutes=40, price=Decimal("1200"), course_sessions_min=18,
         course_sessions_max=22, course_sessions_default=20, min_sessions_per_week=2,
         min_days_between_sessions=1, indications=MASSAGE_FACE_INDICATIONS),
    dict(slug="microcurrent-massage-body", name="Microcurrent massage, body", position=4,
         summary="Drains swelling and edematous cellulite; prepares for and speeds recovery after "
                 "surgery. About 20 sessions, at least twice a week.",
         description="Microcurrent massage of the body improves microcirculation and drains "
                     "tissues. About 20 sessions, at least twice a week.",
         body_area="body", session_minutes=50, price=Decimal("1400"), course_sessions_min=18,
         course_sessions_max=22, course_sessions_default=20, min_sessions_per_week=2,
         min_days_between_sessions=1, indications=MASSAGE_BODY_INDICATIONS),
]


def seed(apps, schema_editor):
    Indication = apps.get_model("treatments", "Indication")
    Contraindication = apps.get_model("treatments", "Contraindication")
    Treatment = apps.get_model("treatments", "Treatment")
    for slug, name, text, source in INDICATIONS:
        Indication.objects.update_or_create(
            slug=slug, defaults={"name": name, "source_text": text, "source": source}
        )
    for pos, (slug, name, plain, text, scope, kind, question) in enumerate(CONTRAINDICATIONS):
        Contraindication.objects.update_or_create(
            slug=slug,
            defaults=dict(name=name, plain_description=plain, source_text=text, scope=scope,
                          kind=kind, screening_question=question, position=pos),
        )
    for spec in TREATMENTS:
        spec = dict(spec)
        indications = spec.pop("indications")
        treatment, _ = Treatment.objects.update_or_create(slug=spec.pop("slug"), defaults=spec)
        treatment.indications.set(Indication.objects.filter(slug__in=indications))


class Migration(migrations.Migration):
    dependencies = [("treatments", "0001_catalog")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
