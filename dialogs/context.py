"""What the dialogue needs to know about the deployment, as plain data.

``bot`` builds it from the county config; ``dialogs`` never reads the config itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nlu.types import Gazetteer

DEFAULT_PRIVACY_NOTICE = (
    "为了登记和办理您反映的问题，我们会记下您说的情况、姓名、联系电话、身份证号和所在乡镇村。"
    "这些信息只给负责办理的税务、人社、医保等部门的工作人员看，只用于办理这件事，不会公开。"
)


@dataclass(frozen=True)
class GridWorkerInfo:
    """A grid worker (网格员) listed in the county config."""

    name: str
    phone: str
    township: str | None = None
    village: str | None = None
    #: (channel, user id) pairs the channels vouch for, e.g. ("telegram", "12345").
    accounts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Hotline:
    topic: str
    name: str
    number: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class DialogContext:
    county_name: str
    #: township -> its villages (the gazetteer, in config order).
    townships: tuple[tuple[str, tuple[str, ...]], ...] = ()
    grid_workers: tuple[GridWorkerInfo, ...] = ()
    hotlines: tuple[Hotline, ...] = ()
    privacy_notice: str = DEFAULT_PRIVACY_NOTICE
    idle_minutes: int = 30
    #: Dates shown to users are in the county's time zone.
    timezone: str = "Asia/Shanghai"
    #: Township/village names as given when they are not in the gazetteer are kept (首问负责):
    #: the case is registered and transferred; this only changes the wording.
    township_names: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "township_names", tuple(t for t, _ in self.townships))

    def gazetteer(self) -> Gazetteer:
        return Gazetteer(townships={t: tuple(v) for t, v in self.townships})

    def villages_of(self, township: str | None) -> tuple[str, ...]:
        for name, villages in self.townships:
            if name == township:
                return villages
        return ()

    def township_of_village(self, village: str) -> str | None:
        found = [t for t, villages in self.townships if village in villages]
        return found[0] if len(found) == 1 else None

    def grid_worker_for(
        self, channel: str, user_ref: str, contact_phone: str | None
    ) -> GridWorkerInfo | None:
        for worker in self.grid_workers:
            if contact_phone and _digits(contact_phone)[-11:] == _digits(worker.phone)[-11:]:
                return worker
            if (channel, user_ref) in worker.accounts:
                return worker
        return None


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
