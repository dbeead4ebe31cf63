"""Every clinical number the app uses, once, with its source; and the bands built on them.

The numbers come from ../shared/POSTURE_SCIENCE.md. The bands say where a measured angle stands
against published guidance, phrased as guidance, never as a diagnosis. Where no source gives a
number, the band is judged against the app's own limit (or the user's calibration) and says so.
"""

from __future__ import annotations

from .i18n import N_
from .types import BAD, BORDERLINE, GOOD, Band

# -- the numbers -----------------------------------------------------------------------------------

# Craniovertebral angle (side view). Mostafaee et al. 2024: 45.5 deg separates slight from moderate or
# severe forward head posture. Lau, Chiu, Lam 2009: controls 50.6 deg, the neck-pain group 43.9 deg,
# 6.7 deg lower. "Below about 48-50 deg = forward head" in practice: 50 deg is the top of the slight band.
CVA_CUTOFF_DEG = 45.5
CVA_WITHOUT_PAIN_DEG = 50.6
CVA_GOOD_DEG = 50.0

# Neck flexion. RULA (McAtamney & Corlett 1993): 0-10 deg scores 1, 10-20 scores 2, over 20 scores 3,
# extension scores 4. ISO 11226:2000: flexion over 25 deg is not acceptable for static work.
RULA_NECK_CLASSES_DEG = (10.0, 20.0)
RULA_NECK_EXTENSION_DEG = 10.0  # bent back more than this: RULA's extension class
ISO_NECK_FLEXION_DEG = 25.0

# Trunk flexion. ISO 11226:2000: 0-20 deg acceptable, 20-60 deg for a limited time, over 60 not.
ISO_TRUNK_ACCEPTABLE_DEG = 20.0
ISO_TRUNK_LIMIT_DEG = 60.0

# ISO 11226:2000 maximum holding times (seconds) of a static head inclination (deg).
ISO_HEAD_HOLD = ((25.0, 480.0), (35.0, 410.0), (45.0, 340.0), (55.0, 270.0), (65.0, 200.0), (75.0, 130.0),
                 (85.0, 60.0))
# ISO 11226:2000 trunk flexion: 20 deg at most 4 min down to 60 deg at most 1 min.
ISO_TRUNK_HOLD = ((ISO_TRUNK_ACCEPTABLE_DEG, 240.0), (ISO_TRUNK_LIMIT_DEG, 60.0))

# Modelled load on the cervical spine by neck flexion (Hansraj 2014, a computer model, for education;
# his figures in pounds: 10-12 neutral, 27 at 15 deg, 40 at 30, 49 at 45, 60 at 60), in kg.
HANSRAJ_KG = ((0.0, 5.0), (15.0, 12.2), (30.0, 18.1), (45.0, 22.2), (60.0, 27.2))

# The sources as people read them.
MOSTAFAEE = N_("Mostafaee et al. 2024 (CVA cut-off 45.5 deg); Lau et al. 2009 (controls 50.6 deg)")
RULA = N_("RULA (McAtamney & Corlett 1993): neck 0-10 / 10-20 / > 20 deg flexion")
ISO_HEAD = N_("ISO 11226:2000: neck flexion over 25 deg not acceptable for static work")
ISO_TRUNK = N_("ISO 11226:2000: trunk flexion 0-20 deg acceptable, 20-60 deg for limited time, > 60 deg not")
OWN_LIMIT = N_("no clinical cut-off exists: judged against the app's limit or your calibration")


# -- bands -----------------------------------------------------------------------------------------


def cva_band(cva_deg: float) -> Band:
    """Side-view CVA against the clinical cut-offs (smaller = head further forward)."""
    if cva_deg >= CVA_GOOD_DEG:
        return Band(GOOD, N_("head over the shoulders"), MOSTAFAEE)
    if cva_deg >= CVA_CUTOFF_DEG:
        return Band(BORDERLINE, N_("slight forward head"), MOSTAFAEE)
    return Band(BAD, N_("moderate to marked forward head"), MOSTAFAEE)


def neck_flexion_band(neck_flexion_deg: float) -> Band:
    """Neck flexion (from upright) against RULA's neck classes and ISO 11226."""
    first, second = RULA_NECK_CLASSES_DEG
    if neck_flexion_deg < -RULA_NECK_EXTENSION_DEG:
        return Band(BORDERLINE, N_("neck bent back (RULA neck 4)"), RULA)
    if neck_flexion_deg <= first:
        return Band(GOOD, N_("neck upright (RULA neck 1)"), RULA)
    if neck_flexion_deg <= second:
        return Band(BORDERLINE, N_("neck bent 10-20 deg (RULA neck 2)"), RULA)
    if neck_flexion_deg <= ISO_NECK_FLEXION_DEG:
        return Band(BAD, N_("neck bent over 20 deg (RULA neck 3)"), RULA)
    return Band(BAD, N_("neck bent over 25 deg: not for long (ISO 11226)"), ISO_HEAD)


def trunk_band(trunk_inclination_deg: float) -> Band:
    """Trunk inclination (from upright) against ISO 11226."""
    if trunk_inclination_deg <= ISO_TRUNK_ACCEPTABLE_DEG:
        return Band(GOOD, N_("trunk within 20 deg of upright"), ISO_TRUNK)
    if trunk_inclination_deg <= ISO_TRUNK_LIMIT_DEG:
        return Band(BORDERLINE, N_("trunk bent 20-60 deg: limited time"), ISO_TRUNK)
    return Band(BAD, N_("trunk bent over 60 deg"), ISO_TRUNK)


def relative_band(badness: float, release_fraction: float) -> Band:
    """A metric without a clinical cut-off, by its share of the way to the rule's limit."""
    if badness < release_fraction:
        return Band(GOOD, N_("within your usual range"), OWN_LIMIT)
    if badness <= 1.0:
        return Band(BORDERLINE, N_("close to the limit"), OWN_LIMIT)
    return Band(BAD, N_("beyond the limit"), OWN_LIMIT)


# -- tables ----------------------------------------------------------------------------------------


def interpolate(table: tuple[tuple[float, float], ...], x: float) -> float:
    """A tabulated value at ``x``, linear between the points, held at the first and last beyond them."""
    if x <= table[0][0]:
        return table[0][1]
    for (x0, y0), (x1, y1) in zip(table, table[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return table[-1][1]


def max_hold_s(table: tuple[tuple[float, float], ...], angle_deg: float) -> float | None:
    """ISO 11226 maximum holding time for an angle (linear between the tabulated points).

    None below the first angle (acceptable without a time limit); beyond the last angle, the last
    (shortest) time.
    """
    if angle_deg < table[0][0]:
        return None
    return interpolate(table, angle_deg)


def neck_load_kg(neck_flexion_deg: float) -> float:
    """Hansraj's modelled load on the neck for a flexion angle (linear between his figures)."""
    return interpolate(HANSRAJ_KG, neck_flexion_deg)
