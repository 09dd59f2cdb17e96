"""Photos, voice messages, videos and files from residents (issue 15).

- ``limits``: ``check_upload`` (sniffed type, size limits, a Chinese sentence when refused);
- ``store``: the ``AttachmentStore`` interface, ``FileStore`` (default), ``store_from_settings``;
- ``s3``: ``S3Store`` (optional extra ``yichuang[s3]``);
- ``records``: rows, draft -> case, adding to a case with an event and a notification,
  listing and fetching with agency scoping, counts;
- ``retention``: ``prune`` (the county's ``[attachments]`` keep periods);
- ``desk``: ``AttachmentDesk``, all of the above bound to one county, database, store, clock.
"""

from backend.attachments.desk import AttachmentDesk, Received
from backend.attachments.limits import Accepted, Refused, check_upload, size_refusal
from backend.attachments.records import (
    AddedToCase,
    AttachmentCounts,
    AttachmentNotFound,
    AttachmentView,
    Fetched,
    Stored,
    Upload,
    add_to_case,
    attach_draft_to_case,
    attach_draft_uploads,
    case_attachments,
    counts_by_number,
    counts_for_cases,
    draft_attachments,
    fetch_attachment,
    list_attachments,
    store_draft_upload,
)
from backend.attachments.store import (
    AttachmentStore,
    BlobCorrupt,
    BlobMissing,
    FileStore,
    StoreError,
    store_from_settings,
)

__all__ = [
    "Accepted",
    "AddedToCase",
    "AttachmentCounts",
    "AttachmentDesk",
    "AttachmentNotFound",
    "AttachmentStore",
    "AttachmentView",
    "BlobCorrupt",
    "BlobMissing",
    "Fetched",
    "FileStore",
    "Received",
    "Refused",
    "StoreError",
    "Stored",
    "Upload",
    "add_to_case",
    "attach_draft_to_case",
    "attach_draft_uploads",
    "case_attachments",
    "check_upload",
    "counts_by_number",
    "counts_for_cases",
    "draft_attachments",
    "fetch_attachment",
    "list_attachments",
    "size_refusal",
    "store_draft_upload",
    "store_from_settings",
]
