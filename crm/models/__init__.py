"""All models, re-exported so Alembic and callers see every table."""

from crm.models.audit import AuditEvent, PasswordReset
from crm.models.duplicates import DuplicateDecision, FirmMerge
from crm.models.firm import (
    Contact,
    EcommerceStore,
    Firm,
    FirmMarket,
    Trademark,
)
from crm.models.learning import LearnedModel
from crm.models.meeting import (
    Counterpart,
    EventFirm,
    Interpreter,
    Meeting,
    MeetingEvent,
    MeetingRequest,
    MeetingSession,
)
from crm.models.meeting_day import MeetingCheckin, MeetingFeedback
from crm.models.message import Message, OutboxEmail
from crm.models.notice import Notice, NoticeTarget
from crm.models.opportunity import (
    Opportunity,
    Partner,
    Programme,
    ProgrammeTarget,
    ShortlistEntry,
    ShortlistEvent,
)
from crm.models.portal import ChangeRecord, Document, Invitation, RegistrationRequest
from crm.models.product import Certification, Product
from crm.models.reference import (
    CertificationScheme,
    Country,
    HsCode,
    MarketGroupMember,
    MarketRequirement,
    MarketRequirementChange,
)
from crm.models.storage import ImportUpload, StoredFile
from crm.models.support import FirmIndicator, Interaction, Outcome, Task
from crm.models.token import ApiToken, IdempotentRequest
from crm.models.user import User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Certification",
    "CertificationScheme",
    "ChangeRecord",
    "Contact",
    "Counterpart",
    "Country",
    "Document",
    "DuplicateDecision",
    "EcommerceStore",
    "EventFirm",
    "Firm",
    "FirmIndicator",
    "FirmMarket",
    "FirmMerge",
    "HsCode",
    "IdempotentRequest",
    "ImportUpload",
    "Interaction",
    "Interpreter",
    "Invitation",
    "LearnedModel",
    "MarketGroupMember",
    "MarketRequirement",
    "MarketRequirementChange",
    "Meeting",
    "MeetingCheckin",
    "MeetingEvent",
    "MeetingFeedback",
    "MeetingRequest",
    "MeetingSession",
    "Message",
    "Notice",
    "NoticeTarget",
    "Opportunity",
    "OutboxEmail",
    "Outcome",
    "Partner",
    "PasswordReset",
    "Product",
    "Programme",
    "ProgrammeTarget",
    "RegistrationRequest",
    "ShortlistEntry",
    "ShortlistEvent",
    "StoredFile",
    "Task",
    "Trademark",
    "User",
]
