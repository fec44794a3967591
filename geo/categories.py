"""The default report categories (DESIGN.md §2).

Categories are data: `geo.store.Store.upsert_categories` writes these on first start
or when the demo is seeded, and an admin can edit, add or retire them afterwards.
The codes are stable ASCII and are what reports store; the labels and the one-line
help texts are what a resident reads, in Swedish (default), English and Arabic.

The unsafe categories follow the ones Swedish municipalities use in their
otrygghetskartor and the Safetipin safety audit; the safe ones are reasons a place
feels safe.
"""

from __future__ import annotations

from geo.model import Category, Feeling

LANGUAGES: tuple[str, ...] = ("sv", "en", "ar")
"""Languages every default category has a label and a help text in."""

DEFAULT_CATEGORIES: tuple[Category, ...] = (
    # -- places that feel unsafe (otrygg) ----------------------------------
    Category(
        code="dalig_belysning",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Dålig belysning", "en": "Poor lighting", "ar": "إضاءة ضعيفة"},
        help={
            "sv": "Det är mörkt här, lampor saknas eller är trasiga.",
            "en": "It is dark here. Lamps are missing or broken.",
            "ar": "المكان مظلم هنا، والمصابيح غير موجودة أو معطّلة.",
        },
        icon="💡",
        sort_order=10,
    ),
    Category(
        code="buskage_skymd_sikt",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Buskage / skymd sikt", "en": "Bushes / blocked view", "ar": "شجيرات / رؤية محجوبة"},
        help={
            "sv": "Buskar eller annat gör att du inte ser vem som finns där.",
            "en": "Bushes or other things make it hard to see who is there.",
            "ar": "الشجيرات أو أشياء أخرى تمنعك من رؤية من يوجد هناك.",
        },
        icon="🌳",
        sort_order=20,
    ),
    Category(
        code="odsligt",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Ödsligt, få människor", "en": "Deserted, few people", "ar": "مكان مهجور وقليل المارّة"},
        help={
            "sv": "Det är tomt här och få människor går förbi.",
            "en": "It is empty here and few people walk by.",
            "ar": "المكان فارغ هنا، ونادراً ما يمرّ أحد.",
        },
        icon="🚶",
        sort_order=30,
    ),
    Category(
        code="klotter_skadegorelse",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Klotter och skadegörelse", "en": "Graffiti and vandalism", "ar": "كتابات على الجدران وتخريب"},
        help={
            "sv": "Här finns klotter, krossat glas eller saker som någon har förstört.",
            "en": "There is graffiti, broken glass or things someone has damaged.",
            "ar": "توجد هنا كتابات على الجدران أو زجاج مكسور أو أشياء خرّبها أحدهم.",
        },
        icon="🎨",
        sort_order=40,
    ),
    Category(
        code="nedskrapning",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Nedskräpning", "en": "Litter", "ar": "نفايات ملقاة"},
        help={
            "sv": "Det ligger mycket skräp på marken.",
            "en": "There is a lot of rubbish on the ground.",
            "ar": "توجد نفايات كثيرة على الأرض.",
        },
        icon="🗑️",
        sort_order=50,
    ),
    Category(
        code="trafik",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Trafik", "en": "Traffic", "ar": "حركة المرور"},
        help={
            "sv": "Bilar kör fort, eller det är svårt att gå och cykla säkert här.",
            "en": "Cars drive fast, or it is hard to walk and cycle safely here.",
            "ar": "السيارات تسير بسرعة، أو من الصعب المشي وركوب الدراجة بأمان هنا.",
        },
        icon="🚗",
        sort_order=60,
    ),
    Category(
        code="berusade_droger",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Berusade / droger", "en": "Drunk people / drugs", "ar": "أشخاص سكارى / مخدرات"},
        help={
            "sv": "Här finns ofta berusade personer, eller någon säljer droger.",
            "en": "There are often drunk people here, or someone sells drugs.",
            "ar": "يوجد هنا غالباً أشخاص سكارى، أو يبيع أحدهم المخدرات.",
        },
        icon="🍺",
        sort_order=70,
    ),
    Category(
        code="stokigt_beteende",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Stökigt, störande beteende", "en": "Rowdy, disturbing behaviour", "ar": "سلوك فوضوي ومزعج"},
        help={
            "sv": "Människor bråkar, skriker eller stör andra här.",
            "en": "People fight, shout or bother others here.",
            "ar": "يتشاجر الناس هنا أو يصرخون أو يزعجون الآخرين.",
        },
        icon="📢",
        sort_order=80,
    ),
    Category(
        code="gangtunnel_passage",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Gångtunnel / passage", "en": "Underpass / passageway", "ar": "نفق مشاة / ممرّ"},
        help={
            "sv": "En tunnel eller smal passage där du känner dig instängd.",
            "en": "A tunnel or narrow passage where you feel trapped.",
            "ar": "نفق أو ممرّ ضيّق تشعر فيه بأنك محاصر.",
        },
        icon="🚇",
        sort_order=90,
    ),
    Category(
        code="daligt_underhall",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Dåligt underhåll", "en": "Poor maintenance", "ar": "صيانة سيئة"},
        help={
            "sv": "Något är trasigt eller slitet, till exempel en gångväg, ett staket eller en bänk.",
            "en": "Something is broken or worn out, for example a path, a fence or a bench.",
            "ar": "شيء ما مكسور أو متهالك، مثل ممرّ مشاة أو سياج أو مقعد.",
        },
        icon="🔧",
        sort_order=100,
    ),
    Category(
        code="annat",
        feeling=Feeling.UNSAFE,
        labels={"sv": "Annat", "en": "Other", "ar": "شيء آخر"},
        help={
            "sv": "Något annat gör att du känner dig otrygg här.",
            "en": "Something else makes you feel unsafe here.",
            "ar": "شيء آخر يجعلك تشعر بعدم الأمان هنا.",
        },
        icon="❓",
        sort_order=110,
    ),
    # -- reasons a place feels safe (trygg) --------------------------------
    Category(
        code="bra_belysning",
        feeling=Feeling.SAFE,
        labels={"sv": "Bra belysning", "en": "Good lighting", "ar": "إضاءة جيدة"},
        help={
            "sv": "Det är ljust här, också när det är mörkt ute.",
            "en": "It is bright here, even when it is dark outside.",
            "ar": "المكان مضاء جيداً هنا، حتى عندما يكون الجوّ مظلماً.",
        },
        icon="✨",
        sort_order=210,
    ),
    Category(
        code="folk_i_rorelse",
        feeling=Feeling.SAFE,
        labels={"sv": "Folk i rörelse", "en": "People around", "ar": "وجود الناس وحركتهم"},
        help={
            "sv": "Här finns ofta människor, så du är inte ensam.",
            "en": "There are often people here, so you are not alone.",
            "ar": "يوجد الناس هنا غالباً، فلست وحدك.",
        },
        icon="👥",
        sort_order=220,
    ),
    Category(
        code="vuxennarvaro",
        feeling=Feeling.SAFE,
        labels={"sv": "Vuxennärvaro", "en": "Adults present", "ar": "وجود البالغين"},
        help={
            "sv": "Här finns vuxna, till exempel personal, föräldrar eller nattvandrare.",
            "en": "There are adults here, for example staff, parents or volunteer night walkers.",
            "ar": "يوجد هنا بالغون، مثل الموظفين أو الأهل أو متطوّعي الجولات الليلية.",
        },
        icon="🧑‍🤝‍🧑",
        sort_order=230,
    ),
    Category(
        code="annat_tryggt",
        feeling=Feeling.SAFE,
        labels={"sv": "Annat som känns tryggt", "en": "Other (feels safe)", "ar": "سبب آخر للشعور بالأمان"},
        help={
            "sv": "Något annat gör att du känner dig trygg här.",
            "en": "Something else makes you feel safe here.",
            "ar": "شيء آخر يجعلك تشعر بالأمان هنا.",
        },
        icon="💚",
        sort_order=240,
    ),
)

CATEGORY_BY_CODE: dict[str, Category] = {category.code: category for category in DEFAULT_CATEGORIES}
"""The default categories keyed by code."""
