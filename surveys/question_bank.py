"""The built-in alignment statements (Likert 1–5, "strongly disagree" … "strongly agree")."""

QUESTION_BANK: list[dict[str, str]] = [
    {
        "key": "communication",
        "topic": "Communication",
        "text": "Marketing and sales keep each other informed about what matters.",
    },
    {
        "key": "collaboration",
        "topic": "Collaboration",
        "text": "Marketing and sales work together on campaigns and accounts.",
    },
    {
        "key": "shared_goals",
        "topic": "Shared goals",
        "text": "Marketing and sales work towards the same revenue goals.",
    },
    {
        "key": "lead_quality",
        "topic": "Lead quality",
        "text": "The leads marketing passes to sales are worth following up.",
    },
    {
        "key": "feedback_loops",
        "topic": "Feedback loops",
        "text": "Sales tells marketing what happened to the leads it received.",
    },
    {
        "key": "hand_off",
        "topic": "Hand-off",
        "text": "The hand-off of qualified leads from marketing to sales is quick and clear.",
    },
    {
        "key": "trust_in_numbers",
        "topic": "Trust in the numbers",
        "text": "I trust the funnel numbers both teams report.",
    },
]

QUESTION_BANK_BY_KEY = {item["key"]: item for item in QUESTION_BANK}

DEFAULT_NPS_QUESTION = "How likely are you to recommend us to a friend or colleague?"
DEFAULT_CSAT_QUESTION = "How satisfied are you with our service?"
