"""What values mean, whichever CRM wrote them: picklist synonyms and activity-type words.

Picklist values are matched to the blueprint's options in this order: the plan's own value map,
the option itself in any case, the known default pipelines, stages and statuses of Salesforce,
HubSpot, Zoho CRM, Pipedrive, Dynamics 365, Odoo and Maven-style spreadsheets (as their own
documentation and exports write them, API names and labels), then a close spelling. A value that
matches nothing is never a reason to drop a record: it is kept as written and listed.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import fuzz, process

from wizard.core.textnorm import norm

# Deal stages: option -> the words CRMs use for it (normalised before use).
_STAGES = {
    "Prospecting": (
        "prospecting", "prospect", "lead in", "new", "new lead", "engaging",
        "appointmentscheduled", "appointment scheduled", "contacted", "contact made",
        "first contact", "initial contact", "neu", "nouveau", "nuevo", "novo", "prospeccao",
        "prospeccion", "prospection", "akquise", "discovery", "intake",
    ),
    "Qualification": (
        "qualification", "qualifiedtobuy", "qualified to buy", "qualified", "qualify",
        "qualifizierung", "qualificacao", "calificacion", "cualificacion", "demo scheduled",
        "demo", "meeting scheduled", "sql", "needs defined",
    ),
    "Needs analysis": (
        "needs analysis", "value proposition", "id decision makers", "identify decision makers",
        "perception analysis", "presentationscheduled", "presentation scheduled", "develop",
        "bedarfsanalyse", "analyse des besoins", "analisis de necesidades", "analise",
        "solution", "evaluation", "decision makers",
    ),
    "Proposal": (
        "proposal", "proposal price quote", "proposal made", "propose", "quote", "quotation",
        "quote sent", "decisionmakerboughtin", "decision maker bought in", "angebot",
        "proposition", "propuesta", "proposta", "offerte", "offer", "proposal sent",
    ),
    "Negotiation": (
        "negotiation", "negotiation review", "negotiations started", "contractsent",
        "contract sent", "verhandlung", "negociation", "negociacion", "negociacao",
        "onderhandeling", "trattativa", "commit", "closing", "verbal", "contract",
    ),
    "Closed won": (
        "closed won", "closedwon", "won", "win", "closed win", "gewonnen", "gagne", "gagnee",
        "ganado", "ganada", "ganho", "ganha", "vinto", "sold", "booked", "close won",
    ),
    "Closed lost": (
        "closed lost", "closedlost", "lost", "closed lost to competition", "verloren", "perdu",
        "perdue", "perdido", "perdida", "perso", "dead", "disqualified", "cancelled",
        "canceled", "close lost", "no decision", "unqualified",
    ),
}  # fmt: skip

_LIFECYCLE = {
    "Subscriber": ("subscriber", "abonnent", "abonne", "suscriptor", "assinante", "newsletter"),
    "Lead": ("lead", "new", "cold lead", "warm lead", "hot lead", "open", "open lead",
             "open not contacted", "working contacted", "working", "contacted", "attempted",
             "interessent", "prospect", "prospecto", "lead in", "not contacted", "nurturing"),
    "Marketing qualified lead": ("marketingqualifiedlead", "marketing qualified lead", "mql",
                                 "marketing qualified"),
    "Sales qualified lead": ("salesqualifiedlead", "sales qualified lead", "sql",
                             "sales qualified", "qualified", "closed converted",
                             "open qualified"),
    "Opportunity": ("opportunity", "opportunite", "oportunidad", "oportunidade", "in deal"),
    "Customer": ("customer", "client", "cliente", "kunde", "klant", "active customer",
                 "customer direct", "customer channel", "won"),
    "Evangelist": ("evangelist", "promoter", "advocate", "referral partner"),
    "Other": ("other", "sonstige", "autre", "otro", "outro", "partner", "vendor", "supplier",
              "closed not converted", "unqualified", "disqualified", "junk lead"),
}  # fmt: skip

# Activity types: option -> words for it in file or sheet names and in type columns.
_ACTIVITY = {
    "Email": ("email", "emails", "e mail", "e mails", "mail", "mails", "courriel", "courriels",
              "correo", "correos", "list email", "listemail", "sent email", "emailmessage",
              "email message", "emailmessages", "sent"),
    "Call": ("call", "calls", "phone call", "phone calls", "phonecall", "phonecalls", "anruf", "anrufe", "telefonat",
             "telefonate", "appel", "appels", "llamada", "llamadas", "ligacao", "ligacoes",
             "chamada", "chamadas", "telefonata", "telefonate", "gesprek", "gesprekken",
             "telefoongesprek", "log a call"),
    "Meeting": ("meeting", "meetings", "event", "events", "termin", "termine",
                "besprechung", "besprechungen", "reunion", "reunions", "rendez vous",
                "evenement", "evenements", "reuniao", "reunioes", "reuniones",
                "evento", "eventos", "riunione", "riunioni", "afspraak", "afspraken",
                "vergadering", "lunch", "appointment", "appointments"),
    "Task": ("task", "tasks", "to do", "todo", "todos", "aufgabe", "aufgaben", "tache",
             "taches", "tarea", "tareas", "tarefa", "tarefas", "compito", "compiti", "taak",
             "taken", "deadline", "follow up", "followup"),
    "Note": ("note", "notes", "notiz", "notizen", "nota", "notas", "notities", "notitie",
             "comment", "comments", "history"),
}  # fmt: skip

VOCABULARY: dict[str, dict[str, str]] = {}  # field name -> normalised word -> option
for _field, _table in (("stage", _STAGES), ("lifecycle_stage", _LIFECYCLE),
                       ("type", _ACTIVITY)):  # fmt: skip
    words: dict[str, str] = {}
    for option in _table:
        words.setdefault(norm(option), option)
    for option, synonyms in _table.items():
        for w in synonyms:
            words.setdefault(norm(w), option)
    VOCABULARY[_field] = words


@lru_cache(maxsize=65536)
def option_for(value: str, field: str, options: tuple[str, ...]) -> tuple[str, float]:
    """The option a source value means, and how sure that is (0 when nothing fits)."""
    n = norm(value)
    if not n:
        return "", 0.0
    by_norm = {norm(o): o for o in options}
    if n in by_norm:
        return by_norm[n], 1.0
    words = VOCABULARY.get(field, {})
    hit = words.get(n)
    if hit in options:
        return hit, 0.95
    # 'Stage 3 - Proposal', '4 - Closed Won': the words after a number or a dash
    tail = n.split(" ", 1)[1] if n[:1].isdigit() and " " in n else ""
    if tail and (words.get(tail) in options or tail in by_norm):
        return (by_norm.get(tail) or words[tail]), 0.9
    pool = {**{k: v for k, v in words.items() if v in options}, **by_norm}
    if pool:
        best = process.extractOne(n, list(pool), scorer=fuzz.ratio, score_cutoff=86)
        if best:
            return pool[best[0]], round(best[1] / 100 * 0.9, 2)
    return "", 0.0


def activity_type_from_name(name: str) -> str | None:
    """'Calls.csv' -> 'Call'; 'Zoho_Events_2024.xlsx [Meetings]' -> 'Meeting'; else None."""
    words = norm(name.rsplit(".", 1)[0] if "[" not in name else name).split()
    table = VOCABULARY["type"]
    found = None
    for i in range(len(words)):
        for size in (2, 1):
            phrase = " ".join(words[i : i + size])
            if len(phrase) > 2 and phrase in table and phrase != "sent":
                found = table[phrase]  # the last word wins: 'crm export tasks' -> Task
    return found
