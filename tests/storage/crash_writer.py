"""Child process for the crash test: commit visits, sessions and responses until killed.

Prints ``<kind> <id>`` after each commit has returned, so the parent knows what was committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from eqvisit.app_services import open_services
from eqvisit.domain.enums import Audience, VisitType
from eqvisit.paths import resolve_profile
from eqvisit.services.visits import SessionDraft, VisitDraft


def main(profile_dir: str, provider_id: str) -> None:
    services = open_services(resolve_profile(Path(profile_dir)))
    print("ready", flush=True)
    counter = 0
    while True:
        counter += 1
        visit = services.visits.create(
            VisitDraft(
                provider_id=provider_id,
                visit_type=VisitType.DESKTOP_REVIEW,
                title=f"Visit {counter}",
            )
        )
        print(f"visit {visit.summary.id}", flush=True)
        session = services.visits.add_session(
            visit.summary.id, SessionDraft(title="F1", audience=Audience.LEARNERS)
        )
        print(f"session {session.id}", flush=True)
        for question in range(5):
            response = services.capture.save_response(
                session.id, f"q{question}", value="yes", note="Note " * 50
            )
            print(f"response {response.id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
