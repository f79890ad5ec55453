"""Consultation: structured medical history, body-dysmorphia screen, examination, risks, expectations."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class RecentTreatmentKind(StrEnum):
    FILLER = "filler"
    TOXIN = "toxin"
    ENERGY_DEVICE = "energy_device"
    SURGERY = "surgery"
    VACCINE = "vaccine"
    DENTAL = "dental"


class RecentTreatment(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: RecentTreatmentKind
    on: date
    area: str | None = None


class MedicineClass(StrEnum):
    ANTICOAGULANT = "anticoagulant"
    ANTIPLATELET = "antiplatelet"
    NSAID = "nsaid"
    SUPPLEMENT_BLOOD_THINNING = "supplement_blood_thinning"  # fish oil, vitamin E, garlic, ginkgo, ginseng
    SSRI = "ssri"
    IMMUNOSUPPRESSANT = "immunosuppressant"
    ISOTRETINOIN = "isotretinoin"
    OTHER = "other"


class Medicine(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str = Field(min_length=1, max_length=120)
    medicine_class: MedicineClass
    prescribed: bool = True


class AllergyKind(StrEnum):
    AMIDE_LOCAL_ANAESTHETIC = "amide_local_anaesthetic"  # lidocaine, prilocaine...
    THREAD_POLYMER = "thread_polymer"
    ANTISEPTIC = "antiseptic"
    OTHER = "other"


class Allergy(BaseModel):
    model_config = ConfigDict(frozen=True)
    substance: str = Field(min_length=1, max_length=120)
    kind: AllergyKind
    # For polymer allergies, which material (PDO, PLLA, PLGA, PCL, PLCL, polypropylene).
    material: str | None = None
    anaphylaxis: bool = False


class DiabetesControl(StrEnum):
    NONE = "none"
    CONTROLLED = "controlled"
    UNCONTROLLED = "uncontrolled"


class MedicalHistory(BaseModel):
    model_config = ConfigDict(frozen=True)

    conditions: list[str] = Field(default_factory=list)
    medicines: list[Medicine] = Field(default_factory=list)
    allergies: list[Allergy] = Field(default_factory=list)
    pregnant: bool = False
    breastfeeding: bool = False
    autoimmune_or_connective_tissue_disease: bool = False
    keloid_or_hypertrophic_scarring: bool = False
    immunosuppressed: bool = False
    diabetes: DiabetesControl = DiabetesControl.NONE
    active_cancer: bool = False
    bleeding_disorder: bool = False
    active_skin_infection_in_area: bool = False
    cold_sores_history: bool = False
    facial_palsy: bool = False
    recent_treatments: list[RecentTreatment] = Field(default_factory=list)
    permanent_filler_in_area: bool = False
    previous_threads: bool = False
    previous_non_absorbable_threads: bool = False
    smoker: bool = False


class BddqAs(BaseModel):
    """BDDQ-AS (7 items): positive if concerned AND preoccupied AND (any item 3-6 >= 3, or item 7 yes)
    ([BDDQAS], thread-lift-clinical.md §3.5)."""

    model_config = ConfigDict(frozen=True)
    concerned_about_appearance: bool  # item 1
    preoccupied: bool  # item 2: thinks about it a lot and wishes could think about it less
    distress: int = Field(ge=1, le=5)  # item 3, 1 = none ... 5 = extreme
    social_impairment: int = Field(ge=1, le=5)  # item 4
    work_or_study_impairment: int = Field(ge=1, le=5)  # item 5
    avoidance: int = Field(ge=1, le=5)  # item 6
    appearance_main_concern_not_weight: bool  # item 7 (in the clinic version, a yes adds weight)

    @property
    def positive(self) -> bool:
        moderate = max(self.distress, self.social_impairment, self.work_or_study_impairment, self.avoidance) >= 3
        return self.concerned_about_appearance and self.preoccupied and (
            moderate or self.appearance_main_concern_not_weight)


class TreatmentArea(StrEnum):
    BROW = "brow"
    MIDFACE = "midface"
    NASOLABIAL = "nasolabial"
    JAWLINE = "jawline"
    MARIONETTE = "marionette"
    NECK = "neck"


class AreaOfConcern(BaseModel):
    model_config = ConfigDict(frozen=True)
    area: TreatmentArea
    grade: int = Field(ge=0, le=4, description="clinician's grade, 0 none ... 4 very severe (Merz-style)")
    side: str = Field(default="both", pattern="^(left|right|both)$")
    note: str | None = Field(default=None, max_length=500)


class Risk(StrEnum):
    """Risks to discuss, from the complication catalogue (thread-lift-clinical.md §5.1, §5.4)."""

    BRUISING = "bruising"
    SWELLING = "swelling"
    PAIN = "pain"
    DIMPLING = "dimpling"
    ASYMMETRY = "asymmetry"
    VISIBLE_THREAD = "visible_or_palpable_thread"
    EXTRUSION = "extrusion"
    MIGRATION = "migration"
    INFECTION = "infection"
    NERVE_INJURY = "nerve_injury"
    PAROTID_INJURY = "parotid_injury"
    ALOPECIA = "alopecia"
    SHORT_DURATION = "limited_duration_of_effect"  # §6.4 durability [CONFLICT]
    FURTHER_TREATMENT = "may_need_further_treatment"


REQUIRED_RISKS = frozenset(Risk)  # all are discussed before consent; the clinic may not drop one silently


class ConsultationEntry(BaseModel):
    """A consultation as the clinician records it. ``laxity_grade`` is the Alexiades-Armenakas grade 0-4
    in half steps [AA]."""

    model_config = ConfigDict(frozen=True)

    history: MedicalHistory
    bdd_screen: BddqAs
    areas_of_concern: list[AreaOfConcern] = Field(min_length=1)
    risks_discussed: list[Risk] = Field(default_factory=list)
    expectations: str = Field(default="", max_length=2000)
    laxity_grade: float | None = Field(default=None, ge=0, le=4, multiple_of=0.5)
    heavy_lower_face: bool = False
    consulted_on: date

    @property
    def risks_not_discussed(self) -> list[Risk]:
        return sorted(REQUIRED_RISKS - set(self.risks_discussed))


class Consultation(ConsultationEntry):
    clinician_id: str
