"""JSON shapes of /api/v1: field names in English, Vietnamese texts as they are stored.

Input schemas check types, lengths and choices (and refuse unknown fields); the services
check everything else (tax codes, HS codes, provinces, uniqueness) exactly as for the web.
"""

from __future__ import annotations

from datetime import UTC, date
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, fields, validate

from crm.models import Certification, Contact, EcommerceStore, Firm, Partner, Product
from crm.models.firm import (
    LEGAL_FORMS,
    MARKET_KINDS,
    SECTORS,
    SIZE_CLASSES,
    STORE_PLATFORMS,
    STORE_STATUSES,
    VERIFICATION_STATUSES,
)
from crm.models.opportunity import (
    OPPORTUNITY_KINDS,
    OPPORTUNITY_STATUSES,
    PARTNER_KINDS,
    SHORTLIST_STATUSES,
)
from crm.models.product import CAPACITY_UNITS
from crm.models.support import INTERACTION_KINDS, TASK_KINDS
from crm.validators import MAX_ROW_ID

LONG_TEXT = 5000
ID = {"validate": validate.Range(1, MAX_ROW_ID), "strict": True}


def _len(model: type, column: str) -> int:
    length = getattr(model.__table__.c[column].type, "length", None)
    return length or LONG_TEXT


def text(model: type, column: str, **kw: Any) -> fields.String:
    """A string no longer than its column (nullable: null clears it)."""
    kw.setdefault("allow_none", not kw.get("required", False))
    kw.setdefault("validate", validate.Length(max=_len(model, column)))
    return fields.String(**kw)


def choice(values: tuple[str, ...], **kw: Any) -> fields.String:
    """One of `values`."""
    return fields.String(validate=validate.OneOf(values), **kw)


def integer(lo: int, hi: int, **kw: Any) -> fields.Integer:
    """An integer within [lo, hi] (a JSON number in bodies)."""
    kw.setdefault("strict", True)
    return fields.Integer(validate=validate.Range(lo, hi), **kw)


def query_int(lo: int, hi: int, **kw: Any) -> fields.Integer:
    """An integer within [lo, hi] in the query string (where everything is text)."""
    return integer(lo, hi, strict=False, **kw)


def number(lo: float, hi: float, **kw: Any) -> fields.Float:
    """A finite number within [lo, hi]."""
    return fields.Float(validate=validate.Range(lo, hi), **kw)


FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2100, 12, 31)


def day(**kw: Any) -> fields.Date:
    """A date (2025-12-31) within the years the CRM works with: dates computed from it (a
    task some months later) stay valid."""
    return fields.Date(validate=validate.Range(FIRST_DAY, LAST_DAY), **kw)


class UtcDateTime(fields.DateTime):
    """A timestamp with its offset; SQLite hands back naive values that were stored as UTC."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class In(Schema):
    """Request bodies: unknown fields are refused. A subclass names in `REQUIRED` the
    inherited fields it requires: a create is its PATCH's fields, each declared once."""

    REQUIRED: ClassVar[tuple[str, ...]] = ()

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        """Require the fields of `REQUIRED` (each instance binds its own copies)."""
        if field_name in self.REQUIRED:
            field_obj.required = True


def page_of(out: type[Schema], doc: str, **more: fields.Field) -> type[Schema]:
    """The schema of one page of `out` rows (named after it: FirmOut -> FirmPage), with
    `more` fields; pass next_cursor as `cursor` for the next page."""
    return type(out.__name__.removesuffix("Out") + "Page", (Schema,), {
        "__module__": __name__, "__doc__": doc,
        "items": fields.List(fields.Nested(out), required=True), **more,
        "next_cursor": fields.String(allow_none=True, required=True)})


class ProblemSchema(Schema):
    """RFC 9457 problem document; `errors` names each field at fault."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))


# --- firms ---------------------------------------------------------------------------------

class FirmFields(In):
    """A firm's own fields (all optional: PATCH changes only those sent)."""

    tax_code = fields.String(validate=validate.Length(min=1, max=20),
                             metadata={"description": "10 digits, branch 13 (0123456789-001)"})
    name = fields.String(validate=validate.Length(min=1, max=255))
    name_en = text(Firm, "name_en")
    legal_form = choice(LEGAL_FORMS)
    province_code = integer(0, 10**6, allow_none=True)
    commune_code = integer(0, 10**7, allow_none=True)
    address = text(Firm, "address")
    website = text(Firm, "website")
    founded_year = integer(1900, 2100, allow_none=True)
    employees = integer(0, 1_000_000, allow_none=True)
    revenue_bn_vnd = number(0, 10_000_000, allow_none=True)
    capital_bn_vnd = number(0, 10_000_000, allow_none=True)
    sectors = fields.List(choice(SECTORS), validate=validate.Length(max=len(SECTORS)))
    export_experience_years = integer(0, 150, allow_none=True)
    export_revenue_usd = number(0, 100_000_000_000, allow_none=True)
    languages = fields.List(fields.String(validate=validate.Length(equal=2)),
                            validate=validate.Length(max=20))
    is_pioneer = fields.Boolean()
    description = text(Firm, "description", validate=validate.Length(max=LONG_TEXT))
    verification_status = choice(VERIFICATION_STATUSES)


class FirmCreate(FirmFields):
    """A new firm: tax code and name are required."""

    REQUIRED = ("tax_code", "name")


class FirmOut(Schema):
    """A firm as the API shows it."""

    id = fields.Integer(required=True)
    tax_code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    legal_form = fields.String(required=True)
    province_code = fields.Integer(allow_none=True)
    commune_code = fields.Integer(allow_none=True)
    address = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    founded_year = fields.Integer(allow_none=True)
    employees = fields.Integer(allow_none=True)
    revenue_bn_vnd = fields.Float(allow_none=True)
    capital_bn_vnd = fields.Float(allow_none=True)
    size_class = fields.String(allow_none=True, metadata={"enum": [*SIZE_CLASSES, None]})
    sectors = fields.List(fields.String())
    export_experience_years = fields.Integer(allow_none=True)
    export_revenue_usd = fields.Float(allow_none=True)
    languages = fields.List(fields.String())
    is_pioneer = fields.Boolean()
    description = fields.String(allow_none=True)
    verification_status = fields.String()
    archived = fields.Boolean()
    version = fields.Integer(required=True, metadata={"description": "the ETag's value"})
    updated_at = UtcDateTime(allow_none=True)


FirmPage = page_of(FirmOut, "One page of firms and their total.",
                   total=fields.Integer(required=True))


class FirmListArgs(Schema):
    """The firm list's search and filters (the same as the HTML firm list)."""

    class Meta:
        unknown = RAISE

    q = fields.String(validate=validate.Length(max=200), load_default="")
    province = query_int(1, 10**6)
    hs = fields.String(validate=validate.Regexp(r"^[0-9]{2,6}$"),
                       metadata={"description": "HS chapter, heading or subheading prefix"})
    cert = fields.String(validate=validate.Length(max=40))
    market = fields.String(validate=validate.Length(max=20),
                           metadata={"description": "country code or market group"})
    size = choice(SIZE_CLASSES)
    archived = fields.Boolean(load_default=False)
    sort = choice(("relevance", "name", "province", "size", "updated"),
                  load_default="relevance")
    limit = query_int(1, 100, load_default=20)
    cursor = fields.String(validate=validate.Length(max=200))


class PageArgs(Schema):
    """limit and cursor."""

    class Meta:
        unknown = RAISE

    limit = query_int(1, 100, load_default=20)
    cursor = fields.String(validate=validate.Length(max=200))


# --- what hangs off a firm -----------------------------------------------------------------

class ContactIn(In):
    """A contact person."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    position = text(Contact, "position")
    phone = text(Contact, "phone")
    email = text(Contact, "email")
    notes = text(Contact, "notes", validate=validate.Length(max=LONG_TEXT))
    is_primary = fields.Boolean()


class ContactOut(Schema):
    """A contact person (personal data: staff who work with firms, and the firm itself)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    position = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    is_primary = fields.Boolean()


class ProductIn(In):
    """A product."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    name_en = text(Product, "name_en")
    hs_code = fields.String(allow_none=True, validate=validate.Length(max=12),
                            metadata={"description": "2, 4 or 6 digits of HS 2022"})
    description = text(Product, "description", validate=validate.Length(max=LONG_TEXT))
    annual_capacity = number(0, 10_000_000_000, allow_none=True)
    capacity_unit = choice(CAPACITY_UNITS, allow_none=True)
    ocop_stars = integer(1, 5, allow_none=True)


class ProductOut(Schema):
    """A product."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    hs_code = fields.String(allow_none=True)
    description = fields.String(allow_none=True)
    annual_capacity = fields.Float(allow_none=True)
    capacity_unit = fields.String(allow_none=True)
    ocop_stars = fields.Integer(allow_none=True)


class CertificationIn(In):
    """A certificate of the firm or of one of its products."""

    scheme_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    number = text(Certification, "number")
    issuer = text(Certification, "issuer")
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(allow_none=True)
    product_id = fields.Integer(allow_none=True, **ID)


class CertificationOut(Schema):
    """A certificate."""

    id = fields.Integer(required=True)
    scheme_code = fields.String(required=True)
    number = fields.String(allow_none=True)
    issuer = fields.String(allow_none=True)
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(allow_none=True)
    product_id = fields.Integer(allow_none=True)


class MarketIn(In):
    """A current or target market."""

    country_code = fields.String(required=True, validate=validate.Length(equal=2))
    kind = choice(MARKET_KINDS, required=True)
    priority = integer(1, 99, allow_none=True)


class MarketOut(Schema):
    """A market."""

    id = fields.Integer(required=True)
    country_code = fields.String(required=True)
    kind = fields.String(required=True)
    priority = fields.Integer(allow_none=True)


class StoreIn(In):
    """An e-commerce store."""

    platform = choice(STORE_PLATFORMS, required=True)
    market = fields.String(allow_none=True, validate=validate.Length(equal=2))
    url = text(EcommerceStore, "url")
    status = choice(STORE_STATUSES)


class StoreOut(Schema):
    """An e-commerce store."""

    id = fields.Integer(required=True)
    platform = fields.String(required=True)
    market = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    status = fields.String(required=True)


# --- opportunities -------------------------------------------------------------------------

class OpportunityFields(In):
    """An opportunity's fields (PATCH: only those sent change; the rest are kept)."""

    kind = choice(OPPORTUNITY_KINDS)
    title = fields.String(validate=validate.Length(min=1, max=255))
    code = fields.String(allow_none=True, validate=validate.Length(max=40))
    description = fields.String(allow_none=True, validate=validate.Length(max=10000))
    status = choice(OPPORTUNITY_STATUSES)
    partner_id = fields.Integer(allow_none=True, **ID)
    programme_id = fields.Integer(allow_none=True, **ID)
    markets = fields.List(fields.String(validate=validate.Length(max=20)),
                          validate=validate.Length(max=60))
    hs_prefixes = fields.List(fields.String(validate=validate.Regexp(r"^[0-9]{2,6}$")),
                              validate=validate.Length(max=60))
    keywords = fields.List(fields.String(validate=validate.Length(min=1, max=100)),
                           validate=validate.Length(max=60))
    required_certifications = fields.List(fields.String(validate=validate.Length(max=40)),
                                          validate=validate.Length(max=30))
    preferred_certifications = fields.List(fields.String(validate=validate.Length(max=40)),
                                           validate=validate.Length(max=30))
    min_size = choice(SIZE_CLASSES, allow_none=True)
    min_annual_capacity_tonnes = number(0, 10**10, allow_none=True)
    platform = choice(("amazon", "alibaba", "tiktok_shop", "shopee", "lazada", "other"),
                      allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    deadline = fields.Date(allow_none=True)
    location = fields.String(allow_none=True, validate=validate.Length(max=255))
    slots = integer(1, 100000, allow_none=True)
    budget_vnd = number(0, 10**15, allow_none=True)
    cofunding_share = number(0, 100, allow_none=True)


class OpportunityCreate(OpportunityFields):
    """A new opportunity: kind and title are required."""

    REQUIRED = ("kind", "title")


class OpportunityOut(Schema):
    """An opportunity."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(allow_none=True)
    status = fields.String(required=True)
    partner_id = fields.Integer(allow_none=True)
    programme_id = fields.Integer(allow_none=True)
    markets = fields.List(fields.String())
    hs_prefixes = fields.List(fields.String())
    keywords = fields.List(fields.String())
    required_certifications = fields.List(fields.String())
    preferred_certifications = fields.List(fields.String())
    min_size = fields.String(allow_none=True)
    min_annual_capacity_tonnes = fields.Float(allow_none=True)
    platform = fields.String(allow_none=True)
    starts_on = fields.Date(allow_none=True)
    ends_on = fields.Date(allow_none=True)
    deadline = fields.Date(allow_none=True)
    location = fields.String(allow_none=True)
    slots = fields.Integer(allow_none=True)
    budget_vnd = fields.Float(allow_none=True)
    cofunding_share = fields.Float(allow_none=True)
    version = fields.Integer(required=True)


OpportunityPage = page_of(OpportunityOut, "One page of opportunities.")


class OpportunityListArgs(PageArgs):
    """Search and filters of the opportunity list."""

    q = fields.String(validate=validate.Length(max=200), load_default="")
    kind = choice(OPPORTUNITY_KINDS)
    status = choice(OPPORTUNITY_STATUSES)


class PartOut(Schema):
    """One statement of a reason: a message code and its parameters."""

    code = fields.String(required=True)
    params = fields.Dict(required=True)


class ReasonOut(Schema):
    """One factor of a firm's score, in words (request's language) and as codes."""

    factor = fields.String(required=True)
    weight = fields.Float(required=True)
    text = fields.String(required=True)
    parts = fields.List(fields.Nested(PartOut), required=True)


class RankedOut(Schema):
    """An eligible firm in rank order."""

    firm_id = fields.Integer(required=True)
    rank = fields.Integer(required=True)
    score = fields.Float(required=True)
    name = fields.String(required=True)
    reasons = fields.List(fields.Nested(ReasonOut), required=True)
    unverified_preferred = fields.List(fields.String(), required=True)


class IneligibleOut(Schema):
    """A firm a hard requirement excludes: what it lacks and what would let it in."""

    firm_id = fields.Integer(required=True)
    name = fields.String(required=True)
    missing = fields.List(fields.String(), required=True)
    text = fields.String(required=True)
    hint = fields.String(required=True)
    parts = fields.List(fields.Nested(PartOut), required=True)
    near_miss = fields.Boolean(required=True)
    score_if_eligible = fields.Float(required=True)


class RankingOut(Schema):
    """The ranking of an opportunity."""

    ranked = fields.List(fields.Nested(RankedOut), required=True)
    ineligible = fields.List(fields.Nested(IneligibleOut), required=True)
    ineligible_total = fields.Integer(required=True)
    indexed = fields.Integer(required=True)
    model_version = fields.Integer(allow_none=True, required=True)


class RankingArgs(Schema):
    """How many firms to show."""

    class Meta:
        unknown = RAISE

    top = query_int(1, 100, load_default=20)
    ineligible = query_int(0, 100, load_default=20)


class EventOut(Schema):
    """One status change of an entry."""

    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    at = UtcDateTime(required=True)
    note = fields.String(allow_none=True)


class EntryOut(Schema):
    """A firm on an opportunity's shortlist (the pipeline)."""

    id = fields.Integer(required=True)
    firm_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": list(SHORTLIST_STATUSES)})
    suggested = fields.Boolean(required=True)
    rank_at_shortlist = fields.Integer(allow_none=True)
    score_at_shortlist = fields.Float(allow_none=True)
    justification = fields.String(allow_none=True)
    version = fields.Integer(required=True)
    events = fields.List(fields.Nested(EventOut), required=True)


class ShortlistIn(In):
    """Firms to put on the shortlist (a justification when the ranking did not suggest them)."""

    firm_ids = fields.List(fields.Integer(**ID), required=True,
                           validate=validate.Length(min=1, max=100))
    justification = fields.String(allow_none=True, validate=validate.Length(max=2000))


class TransitionIn(In):
    """Move an entry one step in the pipeline."""

    to_status = choice(SHORTLIST_STATUSES, required=True)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


# --- support interactions and their tasks ---------------------------------------------------

MONEY_MAX = 10**15  # the amount columns hold 16 digits (crm.interactions.services.MAX_AMOUNT)


class InteractionFields(In):
    """An interaction's own fields (PATCH: only those sent change; the firm never does)."""

    kind = choice(INTERACTION_KINDS)
    occurred_on = day()
    officer_id = fields.Integer(allow_none=True, metadata={
        "description": "an active staff member; default: the token's user"}, **ID)
    programme_id = fields.Integer(allow_none=True, metadata={
        "description": "default: the opportunity's programme"}, **ID)
    opportunity_id = fields.Integer(allow_none=True, **ID)
    summary = fields.String(validate=validate.Length(min=1, max=4000))
    cost_vnd = number(0, MONEY_MAX - 1, allow_none=True)
    firm_contribution_vnd = number(0, MONEY_MAX - 1, allow_none=True)


class InteractionCreate(InteractionFields):
    """A new interaction with an optional follow-up task and outcome check (as on the web)."""

    REQUIRED = ("kind", "occurred_on", "summary")

    firm_id = fields.Integer(required=True, **ID)
    follow_up_title = fields.String(allow_none=True, validate=validate.Length(max=255))
    follow_up_due_on = day(allow_none=True)
    outcome_check_months = integer(0, 36, allow_none=True, metadata={
        "description": "months until the outcome check task (0: none; default: configured)"})


class InteractionOut(Schema):
    """A support interaction."""

    id = fields.Integer(required=True)
    firm_id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(INTERACTION_KINDS)})
    occurred_on = fields.Date(required=True)
    officer_id = fields.Integer(allow_none=True)
    programme_id = fields.Integer(allow_none=True)
    opportunity_id = fields.Integer(allow_none=True)
    summary = fields.String(required=True)
    cost_vnd = fields.Float(allow_none=True)
    firm_contribution_vnd = fields.Float(allow_none=True)
    created_at = UtcDateTime(allow_none=True)
    updated_at = UtcDateTime(allow_none=True)
    version = fields.Integer(required=True, metadata={"description": "the ETag's value"})


InteractionPage = page_of(InteractionOut, "One page of the support log.")


class InteractionListArgs(PageArgs):
    """The support log's filters, newest first."""

    firm_id = query_int(1, MAX_ROW_ID)
    firm = fields.String(validate=validate.Length(max=200), metadata={
        "description": "a tax code (or its first digits) or words of the firm's name"})
    kind = choice(INTERACTION_KINDS)
    officer_id = query_int(1, MAX_ROW_ID)
    programme_id = query_int(1, MAX_ROW_ID)
    date_from = day()
    date_to = day()


class TaskIn(In):
    """A follow-up task of an interaction."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=255))
    due_on = day(required=True, metadata={"description": "on or after the interaction"})
    assignee_id = fields.Integer(allow_none=True, metadata={
        "description": "an active staff member; default: the interaction's officer"}, **ID)


class TaskOut(Schema):
    """A task: a follow-up, or the check of an activity's outcome."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(TASK_KINDS)})
    title = fields.String(required=True)
    due_on = fields.Date(required=True)
    assignee_id = fields.Integer(allow_none=True)
    firm_id = fields.Integer(allow_none=True)
    interaction_id = fields.Integer(allow_none=True)
    opportunity_id = fields.Integer(allow_none=True)
    done_at = UtcDateTime(allow_none=True)


# --- partners -------------------------------------------------------------------------------

class PartnerFields(In):
    """A partner's fields (PATCH: only those sent change; the rest are kept)."""

    name = fields.String(validate=validate.Length(min=1, max=255))
    kind = choice(PARTNER_KINDS)
    diaspora_owned = fields.Boolean()
    country_code = fields.String(validate=validate.Length(equal=2))
    city = text(Partner, "city")
    website = text(Partner, "website")
    hs_prefixes = fields.List(fields.String(validate=validate.Regexp(r"^[0-9]{2,6}$")),
                              validate=validate.Length(max=60))
    keywords = fields.String(allow_none=True, validate=validate.Length(max=2000), metadata={
        "description": "products wanted, comma-separated"})
    required_certifications = fields.List(fields.String(validate=validate.Length(max=40)),
                                          validate=validate.Length(max=30))
    annual_volume = number(0, 10**11, allow_none=True)  # Numeric(14, 2)
    volume_unit = text(Partner, "volume_unit")
    contact_name = text(Partner, "contact_name")
    contact_email = text(Partner, "contact_email")
    contact_phone = text(Partner, "contact_phone")
    notes = text(Partner, "notes", validate=validate.Length(max=LONG_TEXT))


class PartnerCreate(PartnerFields):
    """A new partner: name, kind and country are required."""

    REQUIRED = ("name", "kind", "country_code")


class PartnerOut(Schema):
    """An overseas partner; the contact person is null for roles that do not see personal
    data (viewers)."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": list(PARTNER_KINDS)})
    diaspora_owned = fields.Boolean(required=True)
    country_code = fields.String(required=True)
    city = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    hs_prefixes = fields.List(fields.String())
    keywords = fields.String(allow_none=True)
    required_certifications = fields.List(fields.String())
    annual_volume = fields.Float(allow_none=True)
    volume_unit = fields.String(allow_none=True)
    contact_name = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    archived = fields.Boolean(required=True)
    version = fields.Integer(required=True, metadata={"description": "the ETag's value"})


PartnerPage = page_of(PartnerOut, "One page of partners.")


class PartnerListArgs(PageArgs):
    """The partner list's search and filters."""

    q = fields.String(validate=validate.Length(max=200), load_default="")
    country = fields.String(validate=validate.Length(equal=2))
    kind = choice(PARTNER_KINDS)
    diaspora = fields.Boolean(load_default=False)
    archived = fields.Boolean(load_default=False)


# --- programmes and KPIs --------------------------------------------------------------------

class TargetOut(Schema):
    """A programme's target for one KPI, for a year or (year null) the whole period."""

    id = fields.Integer(required=True)
    kpi_code = fields.String(required=True)
    year = fields.Integer(allow_none=True)
    target_value = fields.Float(required=True)
    note = fields.String(allow_none=True)


class ProgrammeOut(Schema):
    """A support programme and its targets."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    province_code = fields.Integer(allow_none=True)
    start_year = fields.Integer(required=True)
    end_year = fields.Integer(required=True)
    description = fields.String(allow_none=True)
    targets = fields.List(fields.Nested(TargetOut), required=True)


ProgrammePage = page_of(ProgrammeOut, "One page of programmes, newest first.")


class KpiArgs(Schema):
    """Which records count: a year of the programme (default: the whole period) and the
    dashboard's filters."""

    class Meta:
        unknown = RAISE

    year = query_int(1900, 2100)
    sector = choice(SECTORS)
    province = query_int(1, 10**6)
    market = fields.String(validate=validate.Regexp(r"^[A-Za-z]{2}$"))


class KpiOut(Schema):
    """One KPI of the catalogue computed from the records, with its target if one is set."""

    code = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "in the request's language"})
    definition = fields.String(required=True)
    unit = fields.String(required=True)
    year = fields.Integer(allow_none=True, required=True)
    actual = fields.Float(required=True)
    target = fields.Float(allow_none=True, required=True)
    percent = fields.Float(allow_none=True, required=True)
