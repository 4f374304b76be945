"""Question selection: role, level and type; tailoring to a job description; history; determinism."""

from interview.engine.bank import QuestionBank, load_bank
from interview.engine.selection import select_questions
from practice_shared.models.interview import Question
from practice_shared.models.session import SessionConfig

JD = "You will run our platform on k8s (EKS) and manage all infrastructure as code with Terraform."


def _q(qid: str, qtype: str, *, roles=("devops_engineer",), levels=("mid",), topics=(), competency=None):
    return Question(
        id=qid,
        text=f"A {qtype} question numbered {qid} for the tests?",
        type=qtype,
        roles=list(roles),
        levels=list(levels),
        competency=competency if qtype == "behavioral" else None,
        key_points=["First expected point of the answer", "Second expected point of the answer"],
        topics=list(topics),
    )


SMALL = QuestionBank(
    (
        _q("t-k8s", "technical", topics=["kubernetes"]),
        _q("t-terraform", "technical", topics=["terraform"]),
        _q("t-linux", "technical", topics=["linux"]),
        _q("t-dns", "technical", topics=["dns"]),
        _q("t-senior", "technical", levels=["senior"], topics=["kubernetes"]),
        _q("b-own", "behavioral", roles=["any"], competency="ownership"),
        _q("b-conflict", "behavioral", roles=["any"], competency="conflict resolution"),
        _q("g-intro", "general", roles=["any"]),
        _q("t-frontend", "technical", roles=["frontend_engineer"], topics=["react"]),
    )
)


def _config(**overrides) -> SessionConfig:
    values = {"role": "devops_engineer", "level": "mid", "interview_type": "technical", "num_questions": 2}
    return SessionConfig.model_validate(values | overrides)


def test_job_description_topics_come_first_with_a_reason():
    selected = select_questions(SMALL, _config(job_description=JD), seed="s1")
    assert {s.question.id for s in selected} == {"t-k8s", "t-terraform"}
    reasons = " ".join(s.reason for s in selected)
    assert "Your job description mentions Kubernetes" in reasons
    assert "Your job description mentions Terraform" in reasons


def test_resume_topics_are_named_as_coming_from_the_resume():
    selected = select_questions(SMALL, _config(num_questions=1, resume_text="Five years of Linux administration"))
    assert selected[0].question.id == "t-linux"
    assert selected[0].reason == "Your resume mentions Linux"


def test_real_bank_tailors_to_kubernetes_and_terraform():
    config = _config(num_questions=6, interview_type="mixed", job_description=JD)
    selected = select_questions(load_bank(), config, seed="session-1")
    topics = {t for s in selected for t in s.question.topics}
    assert {"kubernetes", "terraform"} <= topics
    assert any("Kubernetes" in s.reason for s in selected)
    assert any("Terraform" in s.reason for s in selected)
    assert all(s.reason for s in selected)


def test_no_repeats_and_role_and_level_respected():
    selected = select_questions(load_bank(), _config(num_questions=12, interview_type="mixed"), seed="x")
    ids = [s.question.id for s in selected]
    assert len(ids) == len(set(ids)) == 12
    for s in selected:
        assert "devops_engineer" in s.question.roles or "any" in s.question.roles
        assert "mid" in s.question.levels


def test_mixed_starts_with_a_warm_up_and_alternates():
    selected = select_questions(load_bank(), _config(num_questions=5, interview_type="mixed"), seed="y")
    types = [s.question.type for s in selected]
    assert types[0] in ("general", "behavioral")
    assert selected[0].reason.startswith("Warm-up")
    assert types[1:] == ["technical", "behavioral", "technical", "behavioral"]


def test_behavioural_interview_has_no_technical_question():
    selected = select_questions(load_bank(), _config(num_questions=5, interview_type="behavioral"), seed="z")
    assert all(s.question.type in ("behavioral", "general") for s in selected)
    assert any(s.reason.startswith("Behavioral: ") for s in selected)


def test_avoided_questions_are_skipped_until_the_bank_runs_out():
    config = _config(num_questions=4)
    first = select_questions(SMALL, config, avoid_ids={"t-k8s", "t-terraform"}, seed="a")
    assert {s.question.id for s in first} >= {"t-linux", "t-dns"}
    assert "t-k8s" not in {s.question.id for s in first[:2]}
    avoided = [s for s in first if s.question.id in {"t-k8s", "t-terraform"}]
    assert all("recent session" in s.reason for s in avoided)


def test_other_levels_fill_in_when_a_level_runs_out():
    selected = select_questions(SMALL, _config(num_questions=5), seed="b")
    assert [s.question.id for s in selected][-1] == "t-senior"
    assert "no more at mid level" in selected[-1].reason
    assert "t-frontend" not in {s.question.id for s in selected}


def test_same_seed_same_plan_other_seed_may_differ():
    config = _config(num_questions=6, interview_type="mixed")
    a = [s.question.id for s in select_questions(load_bank(), config, seed="one")]
    assert a == [s.question.id for s in select_questions(load_bank(), config, seed="one")]
    others = {tuple(s.question.id for s in select_questions(load_bank(), config, seed=str(i))) for i in range(5)}
    assert len(others) > 1
