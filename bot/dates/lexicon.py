"""The words of booking messages, French and English, already lower-cased and without accents.

Multi-word entries are written with single spaces; apostrophes and hyphens inside words are
read as spaces, so `jusqu'à` is `jusqu a` and `après-midi` is `apres midi`.
"""

from __future__ import annotations

from enum import Enum, IntEnum, auto
from typing import NamedTuple


class Lang(Enum):
    NONE = auto()
    FR = auto()
    EN = auto()


class DayPart(IntEnum):
    """A named part of the day; lexicon entries store it by value."""

    MORNING = auto()
    NOON = auto()
    AFTERNOON = auto()
    EVENING = auto()
    DAY = auto()

    @property
    def start(self) -> int:
        """Minutes after midnight (dates.md section 1)."""
        return _PART_BOUNDS[self][0]

    @property
    def end(self) -> int:
        return _PART_BOUNDS[self][1]


_PART_BOUNDS = {
    DayPart.MORNING: (8 * 60, 12 * 60),
    DayPart.NOON: (12 * 60, 14 * 60),
    DayPart.AFTERNOON: (14 * 60, 18 * 60),
    DayPart.EVENING: (18 * 60, 22 * 60),
    DayPart.DAY: (8 * 60, 20 * 60),
}


class Cat(Enum):
    """What a word (or a lexed number) can do in a date phrase."""

    FILLER = auto()  # anything else: greetings, car names; only votes for a language
    NUMBER = auto()
    ORDINAL = auto()
    CLOCK = auto()
    NUMDATE = auto()
    OTHERDATE = auto()
    DASH = auto()
    DOT = auto()
    REL_DAY = auto()  # value: days from today
    WEEKDAY = auto()  # value: 0 = Monday
    WEEKDAY_ABBR = auto()
    WEEKDAYS = auto()  # plural: repeats
    MONTH = auto()
    PART = auto()  # value: DayPart
    THIS_PART = auto()  # `ce soir`, `tonight`: a part of today
    PARTS = auto()  # plural: repeats every day
    WEEKEND = auto()  # value 1: the following one (`next week-end`)
    WEEKEND_WE = auto()  # `we` is also an English pronoun: only after a determiner
    WEEKENDS = auto()
    THIS = auto()
    THE = auto()
    LA = auto()  # `la 208`: a number after `la` is a car
    OF = auto()
    NEXT = auto()
    LAST = auto()
    EN_HUIT = auto()  # value: weeks added
    NEXT_WEEK = auto()
    NOW = auto()
    NOON = auto()
    MIDNIGHT = auto()
    OPEN = auto()  # de, from, dès: opens a range, no-op alone
    OPEN_DU = auto()  # du: opens a range of days
    BETWEEN = auto()
    TO = auto()
    TO_AU = auto()  # au: closes a range of days
    TO_OR_AT = auto()  # à: `9h à 12h` or `samedi à 14h`
    AND = auto()
    UNTIL = auto()
    UNTIL_AU = auto()
    AT = auto()
    FOR = auto()
    DURING = auto()
    IN = auto()
    AFTER = auto()
    BEFORE = auto()
    UNIT_HOUR = auto()
    UNIT_MINUTE = auto()
    UNIT_DAY = auto()
    UNIT_WEEK = auto()
    HALF_HOUR = auto()
    QUARTER_HOUR = auto()
    NUMWORD = auto()
    ORDWORD = auto()
    PLUS_MINUTES = auto()  # et demie, et quart
    OCLOCK = auto()
    VAGUE = auto()
    PAST_WORD = auto()
    AGO = auto()
    EVERY = auto()
    EVERY_DAY = auto()
    WORKDAYS = auto()
    EXCEPT = auto()
    TYPO = auto()  # one letter away from a day or month name: `samdi`


class Entry(NamedTuple):
    cat: Cat
    value: int = 0
    lang: Lang = Lang.NONE
    month_alias: int = 0  # `sept`, `mar`, `may` are months only next to a day number


WORDS: dict[tuple[str, ...], Entry] = {}


def _add(phrases: str, cat: Cat, value: int = 0, lang: Lang = Lang.NONE, alias: int = 0) -> None:
    for phrase in phrases.split(","):
        WORDS[tuple(phrase.split())] = Entry(cat, value, lang, alias)


_FR, _EN = Lang.FR, Lang.EN

_FR_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FR_WEEKDAY_ABBR = ("lun", "mar", "mer", "jeu", "ven", "sam", "dim")
_EN_WEEKDAY_ABBR = ("mon", "tue,tues", "wed", "thu,thur,thurs", "fri", "sat", "sun")
for _day, (_fr, _en, _fr_abbr, _en_abbr) in enumerate(
    zip(_FR_WEEKDAYS, _EN_WEEKDAYS, _FR_WEEKDAY_ABBR, _EN_WEEKDAY_ABBR, strict=True)
):
    _add(_fr, Cat.WEEKDAY, _day, _FR)
    _add(_en, Cat.WEEKDAY, _day, _EN)
    _add(f"{_fr}s", Cat.WEEKDAYS, _day, _FR)
    _add(f"{_en}s", Cat.WEEKDAYS, _day, _EN)
    _add(_fr_abbr, Cat.WEEKDAY_ABBR, _day, _FR)
    _add(_en_abbr, Cat.WEEKDAY_ABBR, _day, _EN)
WORDS[("mar",)] = Entry(Cat.WEEKDAY_ABBR, 1, Lang.NONE, 3)  # mardi (fr) or March (en)

_MONTHS = (
    ("janvier,janv", "january,jan"),
    ("fevrier,fevr,fev", "february,feb"),
    ("mars", "march"),
    ("avril,avr", "april,apr"),
    ("mai", ""),
    ("juin", "june,jun"),
    ("juillet,juil", "july,jul"),
    ("aout", "august,aug"),
    ("septembre", "september,sep"),
    ("octobre", "october"),
    ("novembre", "november"),
    ("decembre", "december"),
)
for _month, (_fr, _en) in enumerate(_MONTHS, start=1):
    _add(_fr, Cat.MONTH, _month, _FR)
    if _en:
        _add(_en, Cat.MONTH, _month, _EN)
WORDS[("oct",)] = Entry(Cat.MONTH, 10)
WORDS[("nov",)] = Entry(Cat.MONTH, 11)
WORDS[("dec",)] = Entry(Cat.MONTH, 12)
WORDS[("may",)] = Entry(Cat.FILLER, 0, _EN, 5)

_add("aujourd hui,auj", Cat.REL_DAY, 0, _FR)
_add("demain", Cat.REL_DAY, 1, _FR)
_add("apres demain", Cat.REL_DAY, 2, _FR)
_add("hier", Cat.REL_DAY, -1, _FR)
_add("avant hier", Cat.REL_DAY, -2, _FR)
_add("today", Cat.REL_DAY, 0, _EN)
_add("tomorrow,tmrw,tmw", Cat.REL_DAY, 1, _EN)
_add("the day after tomorrow,day after tomorrow", Cat.REL_DAY, 2, _EN)
_add("yesterday", Cat.REL_DAY, -1, _EN)
_add("the day before yesterday,day before yesterday", Cat.REL_DAY, -2, _EN)

_add("matin,matinee,du matin,de la matinee", Cat.PART, DayPart.MORNING, _FR)
_add("apres midi,aprem,de l apres midi,de l aprem", Cat.PART, DayPart.AFTERNOON, _FR)
_add("soir,soiree,du soir,de la soiree", Cat.PART, DayPart.EVENING, _FR)
_add("journee,toute la journee,journee entiere", Cat.PART, DayPart.DAY, _FR)
_add("morning,in the morning", Cat.PART, DayPart.MORNING, _EN)
_add("afternoon,in the afternoon", Cat.PART, DayPart.AFTERNOON, _EN)
_add("evening,in the evening", Cat.PART, DayPart.EVENING, _EN)
_add("all day,all day long,the whole day,whole day,full day", Cat.PART, DayPart.DAY, _EN)
_add("ce matin,cette matinee", Cat.THIS_PART, DayPart.MORNING, _FR)
_add("ce midi", Cat.THIS_PART, DayPart.NOON, _FR)
_add("cet apres midi,cette apres midi,cet aprem,cette aprem", Cat.THIS_PART, DayPart.AFTERNOON, _FR)
_add("ce soir,cette soiree", Cat.THIS_PART, DayPart.EVENING, _FR)
_add("this morning", Cat.THIS_PART, DayPart.MORNING, _EN)
_add("this afternoon", Cat.THIS_PART, DayPart.AFTERNOON, _EN)
_add("this evening,tonight", Cat.THIS_PART, DayPart.EVENING, _EN)
_add("matins,matinees", Cat.PARTS, DayPart.MORNING, _FR)
_add("apres midis,aprems", Cat.PARTS, DayPart.AFTERNOON, _FR)
_add("soirs,soirees", Cat.PARTS, DayPart.EVENING, _FR)
_add("mornings", Cat.PARTS, DayPart.MORNING, _EN)
_add("afternoons", Cat.PARTS, DayPart.AFTERNOON, _EN)
_add("evenings", Cat.PARTS, DayPart.EVENING, _EN)

_add("week end", Cat.WEEKEND, 0, _FR)
_add("weekend", Cat.WEEKEND, 0)
# Longer than `this week` / `next week`, so `this week-end` is not read as a vague week.
_add("this week end", Cat.WEEKEND, 0, _EN)
_add("next week end", Cat.WEEKEND, 1, _EN)
_add("we", Cat.WEEKEND_WE, 0)
_add("week ends,weekends", Cat.WEEKENDS, 0)

_add("ce,cet,cette", Cat.THIS, 0, _FR)
_add("this", Cat.THIS, 0, _EN)
_add("le,l", Cat.THE, 0, _FR)
_add("the", Cat.THE, 0, _EN)
_add("la", Cat.LA, 0, _FR)
_add("of", Cat.OF, 0, _EN)
_add("prochain,prochaine,prochains,prochaines,qui vient,pro", Cat.NEXT, 0, _FR)
_add("next", Cat.NEXT, 0, _EN)
_add("dernier,derniere,derniers,passe,passee", Cat.LAST, 0, _FR)
_add("last", Cat.LAST, 0, _EN)
_add("en huit", Cat.EN_HUIT, 1, _FR)
_add("en quinze", Cat.EN_HUIT, 2, _FR)
_add(
    "la semaine prochaine,semaine prochaine,de la semaine prochaine,la semaine pro,semaine pro",
    Cat.NEXT_WEEK,
    0,
    _FR,
)
_add("next week", Cat.NEXT_WEEK, 0, _EN)

_add("maintenant,tout de suite,de suite,immediatement", Cat.NOW, 0, _FR)
_add("now,right now,right away,immediately", Cat.NOW, 0, _EN)
_add("midi", Cat.NOON, 0, _FR)
_add("noon,midday", Cat.NOON, 0, _EN)
_add("minuit", Cat.MIDNIGHT, 0, _FR)
_add("midnight", Cat.MIDNIGHT, 0, _EN)

_add("de,d,a partir de,a partir d,des", Cat.OPEN, 0, _FR)
_add("from,starting,starting at,starting from", Cat.OPEN, 0, _EN)
_add("du,a partir du", Cat.OPEN_DU, 0, _FR)
_add("entre", Cat.BETWEEN, 0, _FR)
_add("between", Cat.BETWEEN, 0, _EN)
_add("to,through,thru", Cat.TO, 0, _EN)
_add("au", Cat.TO_AU, 0, _FR)
_add("a", Cat.TO_OR_AT, 0)
_add("et", Cat.AND, 0, _FR)
_add("and", Cat.AND, 0, _EN)
_add("jusqu a,jusque,jusqua,jusqu", Cat.UNTIL, 0, _FR)
_add("until,till,til,untill,up to", Cat.UNTIL, 0, _EN)
_add("jusqu au", Cat.UNTIL_AU, 0, _FR)
_add("vers,aux alentours de,autour de,sur les", Cat.AT, 0, _FR)
_add("at,around,about", Cat.AT, 0, _EN)
_add("pour", Cat.FOR, 0, _FR)
_add("for", Cat.FOR, 0, _EN)
_add("pendant,durant", Cat.DURING, 0, _FR)
_add("dans,d ici", Cat.IN, 0, _FR)
_add("in", Cat.IN, 0, _EN)
_add("apres", Cat.AFTER, 0, _FR)
_add("after", Cat.AFTER, 0, _EN)
_add("avant", Cat.BEFORE, 0, _FR)
_add("before", Cat.BEFORE, 0, _EN)

_add("heure,heures", Cat.UNIT_HOUR, 0, _FR)
_add("hour,hours,hr,hrs", Cat.UNIT_HOUR, 0, _EN)
_add("h", Cat.UNIT_HOUR, 0)
_add("minute,minutes,min,mins,mn", Cat.UNIT_MINUTE, 0)
_add("jour,jours", Cat.UNIT_DAY, 0, _FR)
_add("day,days", Cat.UNIT_DAY, 0, _EN)
_add("semaine,semaines", Cat.UNIT_WEEK, 0, _FR)
_add("week,weeks", Cat.UNIT_WEEK, 0, _EN)
_add("demi heure,une demi heure", Cat.HALF_HOUR, 0, _FR)
_add("half an hour,half hour,a half hour", Cat.HALF_HOUR, 0, _EN)
_add("quart d heure,un quart d heure", Cat.QUARTER_HOUR, 0, _FR)
_add("a quarter of an hour,quarter of an hour,quarter hour", Cat.QUARTER_HOUR, 0, _EN)
_add("et demi,et demie", Cat.PLUS_MINUTES, 30, _FR)
_add("et quart", Cat.PLUS_MINUTES, 15, _FR)
_add("and a half", Cat.PLUS_MINUTES, 30, _EN)
_add("o clock", Cat.OCLOCK, 0, _EN)

_add(
    "cette semaine,dans la semaine,le mois prochain,mois prochain,ce mois ci,ce mois,"
    "l annee prochaine,bientot,prochainement,un de ces jours,plus tard",
    Cat.VAGUE,
    0,
    _FR,
)
_add("this week,next month,this month,next year,soon,later,some day,sometime", Cat.VAGUE, 0, _EN)
_add("la semaine derniere,le mois dernier,l an dernier", Cat.PAST_WORD, 0, _FR)
_add("last week,last month,last year", Cat.PAST_WORD, 0, _EN)
_add("ago", Cat.AGO, 0, _EN)

_add("tous les,toutes les,chaque,tous", Cat.EVERY, 0, _FR)
_add("every,each", Cat.EVERY, 0, _EN)
_add("tous les jours,chaque jour,quotidiennement", Cat.EVERY_DAY, 0, _FR)
_add("every day,everyday,each day,daily", Cat.EVERY_DAY, 0, _EN)
_add("en semaine,les jours de semaine", Cat.WORKDAYS, 0, _FR)
_add("on weekdays,weekdays,every weekday,each weekday", Cat.WORKDAYS, 0, _EN)
_add("sauf,excepte,hors", Cat.EXCEPT, 0, _FR)
_add("except,but not", Cat.EXCEPT, 0, _EN)

_FR_UNITS = [
    "zero", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
    "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix sept", "dix huit", "dix neuf",
]  # fmt: skip
_EN_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_EN_ORDINAL_UNITS = [
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth",
]  # fmt: skip


def _fr_number(n: int) -> str:
    if n < 20:
        return _FR_UNITS[n]
    tens, unit = divmod(n, 10)
    name = ("vingt", "trente")[tens - 2]
    if unit == 0:
        return name
    return f"{name} et un" if unit == 1 else f"{name} {_FR_UNITS[unit]}"


def _en_number(n: int, ordinal: bool) -> str:
    units = _EN_ORDINAL_UNITS if ordinal else _EN_UNITS
    if n < 20:
        return units[n]
    tens, unit = divmod(n, 10)
    if unit == 0:
        return ("twentieth", "thirtieth")[tens - 2] if ordinal else ("twenty", "thirty")[tens - 2]
    return f"{('twenty', 'thirty')[tens - 2]} {units[unit]}"


for _n in range(1, 32):
    _add(_fr_number(_n), Cat.NUMWORD, _n, _FR)
    _add(_en_number(_n, ordinal=False), Cat.NUMWORD, _n, _EN)
    _add(_en_number(_n, ordinal=True), Cat.ORDWORD, _n, _EN)
_add("une", Cat.NUMWORD, 1, _FR)
_add("an", Cat.NUMWORD, 1, _EN)
_add("premier", Cat.ORDWORD, 1, _FR)
WORDS[("sept",)] = Entry(Cat.NUMWORD, 7, _FR, 9)

# Common words that say nothing about the date but tell which language the member writes in:
# a bare `2-5` is 02:00-05:00 in French and 14:00-17:00 in English.
_add(
    "je,j,tu,vous,nous,il,elle,les,voiture,bonjour,salut,merci,svp,stp,pourrais,voudrais,"
    "prendrais,bien,est,que,qui,avec,mon,ma,mes,votre,vos,peux,possible,reserver,emprunter,"
    "oui,non,coucou,besoin,faudrait,auto,sil,plait,ou,en,courant",
    Cat.FILLER,
    0,
    _FR,
)
_add(
    "i,me,my,you,please,can,could,would,like,need,want,borrow,take,book,car,it,is,on,thanks,"
    "thank,hello,hi,hey,our,your,or,have,get,use",
    Cat.FILLER,
    0,
    _EN,
)

MAX_PHRASE = max(len(words) for words in WORDS)

# Names a member may mistype. A near miss (`samdi`, `dimanhce`) is refused rather than skipped:
# skipping it would book another day (`samdi aprem` would become this afternoon).
# `march` is left out: `ça marche` is everyday French.
_TYPO_PRONE = (
    *_FR_WEEKDAYS,
    *_EN_WEEKDAYS,
    *(name for names, _ in _MONTHS for name in names.split(",")[:1] if len(name) >= 5),
    *(name for _, names in _MONTHS for name in names.split(",")[:1] if len(name) >= 5),
    "demain",
    "tomorrow",
)
TYPO_TARGETS: dict[str, tuple[str, ...]] = {}
for _name in _TYPO_PRONE:
    if _name != "march":
        TYPO_TARGETS[_name[0]] = (*TYPO_TARGETS.get(_name[0], ()), _name)
