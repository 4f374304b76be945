"""Questions and answers shared by the engine tests (written for the tests, not taken from the labelled set)."""

from practice_shared.models.interview import Question

IDEMPOTENCY = Question(
    id="t-idempotency",
    text="How would you make a payment API endpoint safe for clients to retry?",
    type="technical",
    roles=["backend_engineer"],
    levels=["mid"],
    key_points=[
        "The client sends a unique idempotency key with each logical request",
        "The server stores the key with the result and returns the stored response when the key repeats",
        "Recording the key and performing the charge happen atomically in one transaction with a unique constraint",
        "Concurrent requests with the same key are blocked or rejected so only one is processed",
    ],
    topics=["api design", "payments"],
)
DEADLINE = Question(
    id="b-deadline",
    text="Describe a time you realised you were going to miss a deadline. What did you do?",
    type="behavioral",
    roles=["any"],
    levels=["mid"],
    competency="ownership",
    key_points=[
        "Recognised the risk early by tracking progress against the plan",
        "Told the people depending on them as soon as they knew, with a revised estimate",
        "Offered options such as reducing scope, getting help or moving the date",
        "Explains what they changed in how they estimate or plan afterwards",
    ],
)
FEEDBACK_QUESTION = Question(
    id="b-feedback",
    text="Tell me about a time you received critical feedback. What did you do with it?",
    type="behavioral",
    roles=["any"],
    levels=["mid"],
    competency="receiving feedback",
    key_points=[
        "Describes the feedback specifically, including who gave it",
        "Listened and asked questions instead of defending themselves",
        "Changed something concrete as a result",
        "Checked back later whether the change worked",
    ],
)

CONCISE = (
    "The client sends a unique idempotency key with every payment. The server saves that key with the response "
    "in the same transaction as the charge, under a unique constraint, and replays the saved response on a retry; "
    "a second concurrent request with the same key waits on the lock or gets a 409."
)
BUZZWORDS = (
    "So the situation was that we needed to leverage a robust, best-in-class approach to payments. My task was "
    "to drive synergy across the whole payment ecosystem and align every stakeholder. The action I took was to "
    "proactively leverage best practices holistically, ensuring seamless, world-class idempotency at scale. The "
    "result was a game-changing, transformative paradigm that empowered the team and moved the needle. Going "
    "forward, the key learnings were around alignment, a growth mindset and leveraging synergies for impactful, "
    "innovative, next-generation outcomes across the entire payment API, which was truly transformational."
)
STORY_I = (
    "Last spring I was building the billing export for a client launch due on the 30th. Two weeks before, my "
    "burndown showed I was about five days behind because the legacy schema was messier than I had estimated. "
    "I told my manager and the client's project lead the same afternoon and gave them a revised date. I proposed "
    "two options: ship the CSV export on time and the PDF export a week later, or move the whole launch. They "
    "chose the first option, I paired with a colleague on the schema mapping, and I shipped the CSV export on the "
    "30th. The PDF followed six days later with no complaints. Since then I add a buffer for legacy data work and "
    "I check progress against the plan twice a week."
)
STORY_WE = (
    "Last spring we were building the billing export for a client launch due on the 30th. Two weeks before, we "
    "saw we were about five days behind because the legacy schema was messier than we had estimated. We told our "
    "manager and the client's project lead and we gave them a revised date. We proposed two options: ship the "
    "CSV export on time and the PDF export a week later, or move the whole launch. They chose the first option, "
    "we paired on the schema mapping, and we shipped the CSV export on the 30th. The PDF followed six days later. "
    "Since then we add a buffer for legacy data work and we check progress twice a week."
)
OFF_TOPIC = (
    "I really enjoy hiking and photography in my free time. Last summer I climbed three mountains in Scotland "
    "with my brother, and I am planning a trip to the Alps next year with a new camera."
)
