"""Clinical bands: where a measured angle stands against published guidance, with the source.

Phrased as guidance, never as a diagnosis. Where no source gives a number, the band is judged
against the app's own limit (or the user's calibration) and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import N_

GOOD, BORDERLINE, BAD = "good", "borderline", "bad"

MOSTAFAEE = N_("Mostafaee et al. 2024 (CVA cut-off 45.5 deg); Lau et al. 2009 (controls 50.6 deg)")
RULA = N_("RULA (McAtamney & Corlett 1993): neck 0-10 / 10-20 / > 20 deg flexion")
ISO_HEAD = N_("ISO 11226:2000: neck flexion over 25 deg not acceptable for static work")
ISO_TRUNK = N_("ISO 11226:2000: trunk flexion 0-20 deg acceptable, 20-60 deg for limited time, > 60 deg not")
OWN_LIMIT = N_("no clinical cut-off exists: judged against the app's limit or your calibration")


@dataclass(frozen=True)
class Band:
    """Where a value stands.

    Attributes:
        level: "good", "borderline" or "bad".
        label: a few words for people ("slight forward head"; English, translate with ``_``).
        source: where the numbers come from (likewise).
    """

    level: str
    label: str
    source: str


def cva_band(cva_deg: float) -> Band:
    """Side-view CVA against the clinical cut-offs (smaller = head further forward)."""
    if cva_deg >= 50.0:
        return Band(GOOD, N_("head over the shoulders"), MOSTAFAEE)
    if cva_deg >= 45.5:
        return Band(BORDERLINE, N_("slight forward head"), MOSTAFAEE)
    return Band(BAD, N_("moderate to marked forward head"), MOSTAFAEE)


def neck_flexion_band(neck_flexion_deg: float) -> Band:
    """Neck flexion against RULA's neck classes and ISO 11226."""
    if neck_flexion_deg < -10.0:
        return Band(BORDERLINE, N_("neck bent back (RULA neck 4)"), RULA)
    if neck_flexion_deg <= 10.0:
        return Band(GOOD, N_("neck upright (RULA neck 1)"), RULA)
    if neck_flexion_deg <= 20.0:
        return Band(BORDERLINE, N_("neck bent 10-20 deg (RULA neck 2)"), RULA)
    if neck_flexion_deg <= 25.0:
        return Band(BAD, N_("neck bent over 20 deg (RULA neck 3)"), RULA)
    return Band(BAD, N_("neck bent over 25 deg: not for long (ISO 11226)"), ISO_HEAD)


def trunk_band(trunk_inclination_deg: float) -> Band:
    """Trunk inclination against ISO 11226."""
    if trunk_inclination_deg <= 20.0:
        return Band(GOOD, N_("trunk within 20 deg of upright"), ISO_TRUNK)
    if trunk_inclination_deg <= 60.0:
        return Band(BORDERLINE, N_("trunk bent 20-60 deg: limited time"), ISO_TRUNK)
    return Band(BAD, N_("trunk bent over 60 deg"), ISO_TRUNK)


def relative_band(badness: float, release_fraction: float) -> Band:
    """A metric without a clinical cut-off, by its share of the way to the rule's limit."""
    if badness < release_fraction:
        return Band(GOOD, N_("within your usual range"), OWN_LIMIT)
    if badness <= 1.0:
        return Band(BORDERLINE, N_("close to the limit"), OWN_LIMIT)
    return Band(BAD, N_("beyond the limit"), OWN_LIMIT)


# ISO 11226:2000 maximum holding times (seconds) of a static head inclination (deg).
ISO_HEAD_HOLD = ((25.0, 480.0), (35.0, 410.0), (45.0, 340.0), (55.0, 270.0), (65.0, 200.0), (75.0, 130.0),
                 (85.0, 60.0))
# ISO 11226:2000 trunk flexion: 20 deg at most 4 min down to 60 deg at most 1 min.
ISO_TRUNK_HOLD = ((20.0, 240.0), (60.0, 60.0))


def max_hold_s(table: tuple[tuple[float, float], ...], angle_deg: float) -> float | None:
    """ISO 11226 maximum holding time for an angle (linear between the tabulated points).

    None below the first angle (acceptable without a time limit); beyond the last angle, the last
    (shortest) time.
    """
    if angle_deg < table[0][0]:
        return None
    for (a0, t0), (a1, t1) in zip(table, table[1:]):
        if angle_deg <= a1:
            return t0 + (t1 - t0) * (angle_deg - a0) / (a1 - a0)
    return table[-1][1]
