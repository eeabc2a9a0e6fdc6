"""The blueprint: the target schema an admin maps onto (entities, typed fields, keys).

The synonym lists feed auto-matching of unknown headers (see ``wizard.core.automatch``); they
cover English, German, French, Spanish, Dutch, Portuguese and Italian CRM exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class FieldType(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    DOMAIN = "domain"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    PICKLIST = "picklist"
    BOOLEAN = "boolean"
    REFERENCE = "reference"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: FieldType
    required: bool = False
    unique: bool = False
    options: tuple[str, ...] = ()
    ref: str | None = None  # entity a reference points to
    match_by: tuple[str, ...] = ()  # keys a reference may be matched on
    synonyms: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"name": self.name, "label": self.label, "type": str(self.type)}
        for key in ("required", "unique"):
            if getattr(self, key):
                data[key] = True
        if self.options:
            data["options"] = list(self.options)
        if self.ref:
            data["ref"] = self.ref
            data["match_by"] = list(self.match_by)
        return data


@dataclass(frozen=True)
class Entity:
    name: str
    label: str
    table: str
    fields: tuple[Field, ...]
    required_any: tuple[str, ...] = ()  # at least one of these must have a value
    synonyms: tuple[str, ...] = ()  # file and sheet names that hold this entity
    _index: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({f.name: f for f in self.fields})

    def field(self, name: str) -> Field:
        return self._index[name]

    def has(self, name: str) -> bool:
        return name in self._index

    @property
    def record(self) -> str:
        """One record, in words: 'company', 'activity'."""
        return self.name

    @property
    def references(self) -> list[Field]:
        return [f for f in self.fields if f.type == FieldType.REFERENCE]

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "name": self.name,
            "label": self.label,
            "table": self.table,
            "fields": [f.to_dict() for f in self.fields],
        }
        if self.required_any:
            data["required_any"] = list(self.required_any)
        return data


T = FieldType
SOURCE_ID = Field(
    "source_id", "Legacy record ID", T.TEXT, unique=True,
    synonyms=("id", "record id", "legacy id", "external id", "source id", "crm id", "uid",
              "identifiant", "nummer", "kennung"),
)  # fmt: skip


def _address(prefix_words: tuple[str, ...] = ()) -> tuple[Field, ...]:
    return (
        Field("street", "Street address", T.TEXT, synonyms=(
            "street", "address", "street address", "address 1", "address line 1", "mailing street",
            "billing street", "strasse", "straße", "adresse", "rue", "calle", "direccion",
            "straat", "rua", "endereco", "via", "indirizzo")),
        Field("city", "City", T.TEXT, synonyms=(
            "city", "town", "mailing city", "billing city", "ort", "stadt", "ville", "ciudad",
            "plaats", "stad", "cidade", "citta", "localidad", "localite")),
        Field("state", "State / region", T.TEXT, synonyms=(
            "state", "region", "state region", "province", "county", "mailing state",
            "billing state", "bundesland", "provinz", "etat", "département", "departement",
            "provincia", "estado", "provincie", "regione")),
        Field("postal_code", "Postal code", T.TEXT, synonyms=(
            "zip", "zip code", "postal code", "postcode", "mailing postal code",
            "billing postal code", "plz", "postleitzahl", "code postal", "cp",
            "codigo postal", "postcode nl", "cap", "cep")),
        Field("country", "Country", T.TEXT, synonyms=(
            "country", "country region", "mailing country", "billing country", "land", "pays",
            "pais", "país", "paese", "nation")),
    )  # fmt: skip


OWNER = Entity(
    "owner", "Owners (users)", "owners",
    (
        SOURCE_ID,
        Field("email", "Email", T.EMAIL, required=True, unique=True, synonyms=(
            "email", "user email", "owner email", "e mail", "mail", "e mail adresse", "courriel",
            "correo", "correo electronico")),
        Field("first_name", "First name", T.TEXT, synonyms=("first name", "firstname", "vorname",
            "prenom", "nombre", "voornaam")),
        Field("last_name", "Last name", T.TEXT, synonyms=("last name", "lastname", "surname",
            "nachname", "nom", "apellido", "achternaam")),
        Field("full_name", "Full name", T.TEXT, synonyms=("name", "full name", "user name",
            "owner name")),
        Field("phone", "Phone", T.PHONE, synonyms=("phone", "telephone", "telefon")),
        Field("title", "Job title", T.TEXT, synonyms=("title", "job title", "position")),
        Field("active", "Active", T.BOOLEAN, synonyms=("active", "is active", "aktiv", "actif")),
    ),
    synonyms=("user", "users", "owner", "owners", "benutzer", "utilisateurs", "usuarios",
              "gebruikers", "sales reps", "team members", "mitarbeiter", "sales teams",
              "sales team", "sales agents", "agents", "reps", "salespeople", "systemuser",
              "systemusers", "system users", "usuarios", "utilizadores", "vendedores",
              "commerciaux", "verkaeufer"),
)  # fmt: skip

COMPANY = Entity(
    "company", "Companies", "companies",
    (
        SOURCE_ID,
        Field("name", "Company name", T.TEXT, required=True, synonyms=(
            "name", "company", "company name", "account name", "organization", "organisation",
            "organization name", "organisation name", "firma", "firmenname", "unternehmen",
            "societe", "société", "raison sociale", "nom de la societe", "nom de l entreprise",
            "entreprise", "empresa", "nombre de la empresa",
            "bedrijf", "bedrijfsnaam", "azienda", "ragione sociale", "razao social")),
        Field("domain", "Domain", T.DOMAIN, unique=True, synonyms=(
            "domain", "company domain name", "company domain", "domain name", "domaine",
            "dominio", "domein")),
        Field("website", "Website", T.URL, synonyms=(
            "website", "web site", "url", "homepage", "web", "site web", "sitio web",
            "webseite", "internetseite", "sito web")),
        Field("phone", "Phone", T.PHONE, synonyms=(
            "phone", "phone number", "telephone", "main phone", "telefon", "telefonnummer",
            "telephone fixe", "telefono", "teléfono", "telefoon", "telefone")),
        Field("industry", "Industry", T.TEXT, synonyms=(
            "industry", "branche", "industrie", "secteur", "sector", "sector industrial",
            "settore", "setor")),
        Field("company_type", "Company type", T.TEXT, synonyms=(
            "type", "account type", "company type", "typ", "tipo")),
        Field("employees", "Number of employees", T.NUMBER, synonyms=(
            "employees", "number of employees", "numberofemployees", "headcount", "mitarbeiter",
            "anzahl mitarbeiter", "effectif", "employes", "empleados", "medewerkers",
            "dipendenti", "funcionarios")),
        Field("annual_revenue", "Annual revenue", T.MONEY, synonyms=(
            "annual revenue", "revenue", "umsatz", "jahresumsatz", "chiffre d affaires", "ca",
            "ingresos", "facturacion", "omzet", "fatturato", "receita")),
        *_address(),
        Field("description", "Description", T.TEXT, synonyms=(
            "description", "about", "notes", "beschreibung", "descripcion", "omschrijving")),
        Field("owner", "Owner", T.REFERENCE, ref="owner",
              match_by=("source_id", "email", "name"), synonyms=(
            "user id", "salesperson", "sales person", "responsible", "ownerid", "smownerid",
            "owner", "owner id", "company owner", "account owner", "owner email", "assigned to",
            "sales rep", "besitzer", "verantwortlich", "proprietaire", "responsable",
            "propietario", "eigenaar")),
        Field("parent_company", "Parent company", T.REFERENCE, ref="company",
              match_by=("source_id", "name", "domain"), synonyms=(
            "parent", "parent id", "parent account", "parent company", "parent account id",
            "muttergesellschaft", "maison mere", "empresa matriz")),
        Field("created_at", "Created", T.DATETIME, synonyms=(
            "created", "created date", "create date", "created at", "add time", "erstellt",
            "erstellt am", "date de creation", "fecha de creacion", "aangemaakt")),
    ),
    synonyms=("account", "accounts", "company", "companies", "organization", "organizations",
              "organisation", "organisations", "orgs", "firmen", "firma", "unternehmen",
              "societes", "sociétés", "entreprises", "empresas", "bedrijven", "aziende",
              "clients", "customers", "kunden"),
)  # fmt: skip

LIFECYCLE = ("Subscriber", "Lead", "Marketing qualified lead", "Sales qualified lead",
             "Opportunity", "Customer", "Evangelist", "Other")  # fmt: skip

CONTACT = Entity(
    "contact", "Contacts", "contacts",
    (
        SOURCE_ID,
        Field("first_name", "First name", T.TEXT, synonyms=(
            "first name", "firstname", "given name", "forename", "vorname", "prenom", "prénom",
            "nombre", "voornaam", "nome", "primeiro nome")),
        Field("last_name", "Last name", T.TEXT, synonyms=(
            "last name", "lastname", "surname", "family name", "nachname", "familienname",
            "nom", "nom de famille", "apellido", "apellidos", "achternaam", "cognome",
            "sobrenome")),
        Field("full_name", "Full name", T.TEXT, synonyms=(
            "name", "full name", "contact name", "person name", "contact", "person",
            "vollstandiger name", "nom complet", "nombre completo", "volledige naam")),
        Field("email", "Email", T.EMAIL, unique=True, synonyms=(
            "email", "e mail", "email address", "mail", "e mail adresse", "email adresse",
            "courriel", "adresse e mail", "correo", "correo electronico", "e mailadres",
            "posta elettronica", "email work", "work email")),
        Field("phone", "Phone", T.PHONE, synonyms=(
            "phone", "phone number", "telephone", "work phone", "business phone", "phone work",
            "tel", "tel nr", "telefono fijo", "fone", "telephone1",
            "telefon", "telefonnummer", "telephone", "telefono", "teléfono", "telefoon",
            "telefone")),
        Field("mobile_phone", "Mobile phone", T.PHONE, synonyms=(
            "mobile", "mobile phone", "mobile phone number", "cell", "cell phone", "handy",
            "mobil", "mobiltelefon", "portable", "movil", "móvil", "celular", "mobiel",
            "cellulare", "phone mobile")),
        Field("title", "Job title", T.TEXT, synonyms=(
            "title", "job title", "position", "role", "jobtitel", "position", "funktion",
            "fonction", "poste", "titre", "cargo", "puesto", "functie", "ruolo")),
        Field("department", "Department", T.TEXT, synonyms=(
            "department", "abteilung", "service", "departement", "departamento", "afdeling",
            "reparto")),
        Field("lifecycle_stage", "Lifecycle stage", T.PICKLIST, options=LIFECYCLE, synonyms=(
            "lifecycle stage", "lifecyclestage", "lifecycle", "contact type", "label",
            "lebenszyklusphase", "cycle de vie", "etapa del ciclo de vida")),
        Field("lead_status", "Lead status", T.TEXT, synonyms=(
            "lead status", "status", "leadstatus", "statut", "estado")),
        Field("lead_source", "Lead source", T.TEXT, synonyms=(
            "lead source", "source", "original source", "leadquelle", "quelle",
            "origine", "origen", "bron")),
        *_address(),
        Field("description", "Description", T.TEXT, synonyms=(
            "description", "notes", "note", "comments", "bemerkung", "notizen", "commentaire",
            "notas", "opmerkingen")),
        Field("company", "Company", T.REFERENCE, ref="company",
              match_by=("source_id", "name", "domain"), synonyms=(
            "company", "company name", "account", "account id", "account name", "organization",
            "organisation", "organization name", "associated company", "associated company id",
            "associated company ids", "company id", "firma", "unternehmen", "societe",
            "entreprise", "empresa", "bedrijf", "azienda", "org id", "organization id")),
        Field("owner", "Owner", T.REFERENCE, ref="owner",
              match_by=("source_id", "email", "name"), synonyms=(
            "user id", "salesperson", "sales person", "responsible", "ownerid", "smownerid",
            "owner", "owner id", "contact owner", "owner email", "assigned to", "sales rep",
            "account manager", "salesperson", "sales agent", "sales person", "rep",
            "besitzer", "verantwortlich", "proprietaire", "responsable", "propietario",
            "eigenaar")),
        Field("created_at", "Created", T.DATETIME, synonyms=(
            "created", "created date", "create date", "created at", "add time", "erstellt",
            "erstellt am", "date de creation", "fecha de creacion", "aangemaakt")),
        Field("last_activity_at", "Last activity", T.DATE, synonyms=(
            "last activity", "last activity date", "letzte aktivitat", "derniere activite",
            "ultima actividad")),
        Field("email_opt_out", "Email opt-out", T.BOOLEAN, synonyms=(
            "email opt out", "unsubscribed", "do not email", "has opted out of email",
            "hasoptedoutofemail", "opt out", "abgemeldet", "desabonne")),
    ),
    required_any=("email", "last_name", "first_name", "full_name"),
    synonyms=("contact", "contacts", "people", "person", "persons", "lead", "leads",
              "kontakt", "kontakte", "ansprechpartner", "personen", "contatti", "contactos",
              "contactpersonen", "prospects", "customers contacts"),
)  # fmt: skip

STAGES = ("Prospecting", "Qualification", "Needs analysis", "Proposal", "Negotiation",
          "Closed won", "Closed lost")  # fmt: skip

DEAL = Entity(
    "deal", "Deals", "deals",
    (
        SOURCE_ID,
        Field("name", "Deal name", T.TEXT, required=True, synonyms=(
            "name", "deal name", "opportunity name", "title", "deal title", "deal",
            "opportunity", "name der verkaufschance", "titel", "nom de l affaire", "affaire",
            "nombre de la oportunidad", "oportunidad", "naam", "titolo")),
        Field("amount", "Amount", T.MONEY, synonyms=(
            "amount", "value", "deal value", "deal amount", "betrag", "wert", "montant",
            "expected revenue", "estimated value", "estimatedvalue", "close value",
            "estimated revenue", "planned revenue",
            "valeur", "importe", "valor", "monto", "bedrag", "waarde", "importo")),
        Field("currency", "Currency", T.TEXT, synonyms=(
            "currency", "currency code", "currency of value", "waehrung", "wahrung", "devise",
            "moneda", "valuta", "moeda")),
        Field("stage", "Stage", T.PICKLIST, options=STAGES, synonyms=(
            "stage", "deal stage", "stagename", "stage name", "phase", "verkaufsphase",
            "stage id", "stepname", "step name", "sales stage", "deal stage id",
            "etape", "étape", "etapa", "fase", "pipeline stage")),
        Field("pipeline", "Pipeline", T.TEXT, synonyms=("pipeline", "sales pipeline")),
        Field("close_date", "Close date", T.DATE, synonyms=(
            "close date", "closedate", "expected close date", "closing date", "abschlussdatum",
            "estimated close date", "estimatedclosedate", "date deadline", "expected closing",
            "date de cloture", "fecha de cierre", "sluitingsdatum", "data di chiusura",
            "won time")),
        Field("probability", "Probability (%)", T.NUMBER, synonyms=(
            "probability", "win probability", "deal probability", "wahrscheinlichkeit",
            "probabilite", "probabilidad", "kans")),
        Field("deal_type", "Deal type", T.TEXT, synonyms=("type", "deal type",
            "opportunity type")),
        Field("lead_source", "Lead source", T.TEXT, synonyms=("lead source", "source",
            "original source")),
        Field("description", "Description", T.TEXT, synonyms=(
            "description", "notes", "beschreibung", "descripcion")),
        Field("is_closed", "Closed", T.BOOLEAN, synonyms=("closed", "is closed", "isclosed")),
        Field("is_won", "Won", T.BOOLEAN, synonyms=("won", "is won", "iswon")),
        Field("company", "Company", T.REFERENCE, ref="company",
              match_by=("source_id", "name", "domain"), synonyms=(
            "company", "account", "account id", "account name", "organization",
            "organisation", "associated company", "associated company id",
            "associated company ids", "company id", "company name", "organization name",
            "firma", "unternehmen", "entreprise", "empresa", "organization id")),
        Field("contact", "Contact", T.REFERENCE, ref="contact",
              match_by=("source_id", "email", "name"), synonyms=(
            "contact", "contact id", "contact person", "associated contact",
            "associated contact id", "associated contact ids", "primary contact",
            "person", "person id", "ansprechpartner", "kontakt", "contacto")),
        Field("owner", "Owner", T.REFERENCE, ref="owner",
              match_by=("source_id", "email", "name"), synonyms=(
            "user id", "salesperson", "sales person", "responsible", "ownerid", "smownerid",
            "owner", "owner id", "deal owner", "opportunity owner", "assigned to",
            "sales rep", "sales agent", "salesperson", "account manager", "verantwortlich", "proprietaire", "propietario", "eigenaar")),
        Field("created_at", "Created", T.DATETIME, synonyms=(
            "created", "created date", "create date", "created at", "add time", "erstellt",
            "date de creation", "fecha de creacion")),
    ),
    synonyms=("opportunity", "opportunities", "deal", "deals", "oppty", "opps", "pipeline",
              "potential", "potentials", "sales pipeline", "negociacoes", "oportunidades",
              "crm lead", "crm leads",
              "affaires", "opportunites", "geschafte", "geschaefte", "verkaufschancen",
              "oportunidades", "negocios", "kansen", "trattative", "sales"),
)  # fmt: skip

ACTIVITY_TYPES = ("Email", "Call", "Meeting", "Note", "Task")

ACTIVITY = Entity(
    "activity", "Activities", "activities",
    (
        SOURCE_ID,
        Field("type", "Activity type", T.PICKLIST, required=True, options=ACTIVITY_TYPES,
              synonyms=("type", "activity type", "task subtype", "tasksubtype", "event type",
                        "kind", "typ", "art", "tipo")),
        Field("subject", "Subject", T.TEXT, synonyms=(
            "subject", "title", "betreff", "sujet", "objet", "asunto", "onderwerp", "oggetto")),
        Field("body", "Body / notes", T.TEXT, synonyms=(
            "body", "description", "notes", "note", "content", "comments", "text", "message",
            "inhalt", "notiz", "contenu", "contenido", "inhoud")),
        Field("occurred_at", "Date", T.DATETIME, synonyms=(
            "date", "activity date", "activitydate", "timestamp", "start", "start date time",
            "startdatetime", "due date", "datum", "date de l activite", "fecha", "data",
            "scheduled start", "scheduledstart", "call start time", "start date",
            "data envio", "sent date", "send date")),
        Field("due_date", "Due date", T.DATE, synonyms=("due date", "due", "faellig",
            "echeance", "vencimiento")),
        Field("status", "Status", T.TEXT, synonyms=("status", "done", "state", "statut",
            "estado")),
        Field("duration_minutes", "Duration (minutes)", T.NUMBER, synonyms=(
            "duration", "duration minutes", "durationinminutes", "call duration", "dauer",
            "duree", "duracion")),
        Field("company", "Company", T.REFERENCE, ref="company",
              match_by=("source_id", "name", "domain"), synonyms=(
            "company", "account", "account id", "organization", "associated company",
            "associated company ids", "company id", "organization id")),
        Field("contact", "Contact", T.REFERENCE, ref="contact",
              match_by=("source_id", "email", "name"), synonyms=(
            "contact", "contact id", "who id", "whoid", "person", "contact person",
            "associated contact", "associated contact ids", "person id")),
        Field("deal", "Deal", T.REFERENCE, ref="deal", match_by=("source_id", "name"),
              synonyms=("deal", "deal id", "opportunity", "opportunity id", "what id",
                        "whatid", "associated deal", "associated deal ids")),
        Field("owner", "Owner", T.REFERENCE, ref="owner",
              match_by=("source_id", "email", "name"), synonyms=(
            "user id", "salesperson", "sales person", "responsible", "ownerid", "smownerid",
            "owner", "owner id", "assigned to", "assigned to user", "activity owner",
            "created by", "user")),
    ),
    synonyms=("activity", "activities", "task", "tasks", "event", "events", "email", "emails",
              "call", "calls", "meeting", "meetings", "note", "notes", "history", "engagements",
              "aktivitaten", "aufgaben", "termine", "activites", "taches", "actividades",
              "tareas", "activiteiten", "attivita", "opportunityhistory", "stage history"),
)  # fmt: skip

ENTITIES: dict[str, Entity] = {e.name: e for e in (OWNER, COMPANY, CONTACT, DEAL, ACTIVITY)}
LOAD_ORDER = ("owner", "company", "contact", "deal", "activity")


def entity(name: str) -> Entity:
    return ENTITIES[name]


def describe() -> dict[str, object]:
    """The blueprint as plain data (for targets, the report and ``inspect --json``)."""
    return {"entities": [e.to_dict() for e in ENTITIES.values()], "load_order": list(LOAD_ORDER)}
