"""Loading and indexing the question bank (the bank's content is tested in test_question_bank.py)."""

import pytest

from interview.engine.bank import BankError, load_bank, read_bank, with_examples
from practice_shared.models.interview import Question

ENTRY = """
  - id: {id}
    text: Explain how a hash map handles collisions.
    type: technical
    roles: [software_engineer]
    levels: [{level}]
    key_points: [Collisions are chained in a bucket, Open addressing probes the next slot]
    topics: [data structures]
"""


def _write(tmp_path, name, *entries):
    (tmp_path / name).write_text("questions:" + "".join(entries), encoding="utf-8")


def test_packaged_bank_loads_once_and_indexes():
    bank = load_bank()
    assert load_bank() is bank
    first = bank.questions[0]
    assert bank.get(first.id) is first
    assert bank.find_text(first.text.upper() + "  ") is first
    assert all("software_engineer" in q.roles or "any" in q.roles for q in bank.for_role("software_engineer"))
    assert all("senior" in q.levels for q in bank.for_level("senior"))
    assert {q.type for q in bank.of_type("behavioral")} == {"behavioral"}
    assert "kubernetes" in bank.topics()


def test_reads_a_directory(tmp_path):
    _write(tmp_path, "a.yaml", ENTRY.format(id="se-hash", level="mid"))
    bank = read_bank(tmp_path)
    assert len(bank) == 1
    assert bank.for_level("junior") == []


def test_invalid_entry_names_file_and_question(tmp_path):
    _write(tmp_path, "a.yaml", ENTRY.format(id="se-hash", level="principal"))
    with pytest.raises(BankError, match=r"a\.yaml: question se-hash is invalid"):
        read_bank(tmp_path)


def test_duplicate_ids_are_refused(tmp_path):
    _write(tmp_path, "a.yaml", ENTRY.format(id="se-hash", level="mid"))
    _write(tmp_path, "b.yaml", ENTRY.format(id="se-hash", level="mid"))
    with pytest.raises(BankError, match=r"also used in a\.yaml"):
        read_bank(tmp_path)


def test_missing_files_and_bad_yaml(tmp_path):
    with pytest.raises(BankError, match="No question files"):
        read_bank(tmp_path)
    (tmp_path / "bad.yaml").write_text("questions: [unclosed", encoding="utf-8")
    with pytest.raises(BankError, match="not valid YAML"):
        read_bank(tmp_path)


def test_key_point_examples_need_one_list_per_key_point(tmp_path):
    examples = "    key_point_examples: [[Each bucket holds a linked list of entries.]]\n"
    _write(tmp_path, "a.yaml", ENTRY.format(id="se-hash", level="mid") + examples)
    with pytest.raises(BankError, match="key_point_examples has 1 lists for 2 key points"):
        read_bank(tmp_path)
    examples = "    key_point_examples: [[Each bucket holds a linked list of entries.], []]\n"
    _write(tmp_path, "a.yaml", ENTRY.format(id="se-hash", level="mid") + examples)
    assert read_bank(tmp_path).get("se-hash").key_point_examples[1] == []


def test_a_stored_plan_leaves_examples_to_the_bank():
    intro = load_bank().get("bh-intro-about-yourself")
    assert intro.key_point_examples and "key_point_examples" not in intro.model_dump()
    stored = Question.model_validate_json(intro.model_dump_json())
    assert stored.key_point_examples == []
    assert with_examples(stored).key_point_examples == intro.key_point_examples
    reworded = stored.model_copy(update={"key_points": ["Something else entirely", *stored.key_points[1:]]})
    assert with_examples(reworded).key_point_examples == []
    custom = stored.model_copy(update={"id": "custom-0"})
    assert with_examples(custom) is custom
