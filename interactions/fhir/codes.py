"""The FHIR code systems and codes the reader and writer use, in one place for review.

Every code here was checked against its display name as published uses give it (LOINC, SNOMED
CT, HL7 v3 ActCode); a code not listed is read by its display text instead, never guessed.
"""

from __future__ import annotations

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"

# Codes the rules' vocabulary may list (ATC, RxCUI, ICD-10): tried as codes before display text.
MEDICATION_CODE_SYSTEMS = frozenset({RXNORM, ATC})
CONDITION_CODE_SYSTEMS = frozenset({ICD10CM, ICD10})

# Estimated GFR per 1.73 m2, LOINC: the codes an EHR reports eGFR under.
EGFR_LOINC = {
    "33914-3": "GFR/1.73 sq M.predicted in Serum or Plasma by Creatinine-based formula (MDRD)",
    "48642-3": "GFR/1.73 sq M.predicted among non-blacks in Serum, Plasma or Blood (MDRD)",
    "48643-1": "GFR/1.73 sq M.predicted among blacks in Serum, Plasma or Blood (MDRD)",
    "62238-1": "GFR/1.73 sq M.predicted in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI)",
    "98979-8": "GFR/1.73 sq M.predicted in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)",
    "98980-6": "GFR/1.73 sq M.predicted in Serum, Plasma or Blood by Creatinine and Cystatin C-based formula (CKD-EPI 2021)",
    "69405-9": "GFR/1.73 sq M.predicted in Serum, Plasma or Blood",
}
# UCUM units an eGFR comes in, and the factor to mL/min/1.73 m2.
EGFR_UNITS = {
    "ml/min/{1.73_m2}": 1.0, "ml/min/1.73m2": 1.0, "ml/min/1.73 m2": 1.0, "ml/min/1.73_m2": 1.0,
    "ml/min/{1.73m2}": 1.0, "ml/min/1.73m^2": 1.0, "ml/min/1.73 m^2": 1.0, "ml/min": 1.0,
    "ml/s/{1.73_m2}": 60.0, "ml/s/1.73m2": 60.0,
}

PREGNANCY_STATUS_LOINC = "82810-3"          # Pregnancy status
SNOMED_PREGNANT = frozenset({"77386006"})    # Pregnant (finding)
SNOMED_NOT_PREGNANT = frozenset({"60001007"})  # Not pregnant (finding)

# SNOMED CT disorders the rules speak of, mapped to the ICD-10-CM code the vocabulary lists.
SNOMED_TO_ICD10 = {
    "709044004": "N18.9",   # Chronic kidney disease (disorder)
    "431855005": "N18.1",   # Chronic kidney disease stage 1
    "431856006": "N18.2",   # Chronic kidney disease stage 2
    "433144002": "N18.3",   # Chronic kidney disease stage 3
    "700378005": "N18.31",  # Chronic kidney disease stage 3a
    "700379002": "N18.32",  # Chronic kidney disease stage 3b
    "431857002": "N18.4",   # Chronic kidney disease stage 4
    "433146000": "N18.5",   # Chronic kidney disease stage 5
    "46177005": "N18.6",    # End-stage renal disease
    "14669001": "N17",      # Acute renal failure syndrome (acute kidney injury)
    "91637004": "G70.0",    # Myasthenia gravis
    "233917008": "I44",     # Atrioventricular block
    "81060008": "K56.609",  # Intestinal obstruction
    "77386006": "Z33.1",    # Pregnant
}

# SNOMED CT routes that matter: intravenous magnesium has rules of its own.
SNOMED_INTRAVENOUS = frozenset({"47625008"})  # Intravenous route

# DetectedIssue.code (v3 ActCode, the detectedissue-category value set) by finding kind.
ISSUE_CATEGORY = {
    "drug-supplement": ("DRG", "Drug Interaction Alert"),
    "supplement-supplement": ("NHP", "Natural Health Product Alert"),
    "drug-condition": ("COND", "Condition Alert"),
    "dose": ("DOSEH", "High Dose Alert"),
}

# Every resource type of FHIR R4 (4.0.1): a resourceType outside this list is not FHIR R4.
R4_RESOURCE_TYPES = frozenset("""
Account ActivityDefinition AdverseEvent AllergyIntolerance Appointment AppointmentResponse
AuditEvent Basic Binary BiologicallyDerivedProduct BodyStructure Bundle CapabilityStatement
CarePlan CareTeam CatalogEntry ChargeItem ChargeItemDefinition Claim ClaimResponse
ClinicalImpression CodeSystem Communication CommunicationRequest CompartmentDefinition
Composition ConceptMap Condition Consent Contract Coverage CoverageEligibilityRequest
CoverageEligibilityResponse DetectedIssue Device DeviceDefinition DeviceMetric DeviceRequest
DeviceUseStatement DiagnosticReport DocumentManifest DocumentReference EffectEvidenceSynthesis
Encounter Endpoint EnrollmentRequest EnrollmentResponse EpisodeOfCare EventDefinition Evidence
EvidenceVariable ExampleScenario ExplanationOfBenefit FamilyMemberHistory Flag Goal
GraphDefinition Group GuidanceResponse HealthcareService ImagingStudy Immunization
ImmunizationEvaluation ImmunizationRecommendation ImplementationGuide InsurancePlan Invoice
Library Linkage List Location Measure MeasureReport Media Medication MedicationAdministration
MedicationDispense MedicationKnowledge MedicationRequest MedicationStatement MedicinalProduct
MedicinalProductAuthorization MedicinalProductContraindication MedicinalProductIndication
MedicinalProductIngredient MedicinalProductInteraction MedicinalProductManufactured
MedicinalProductPackaged MedicinalProductPharmaceutical MedicinalProductUndesirableEffect
MessageDefinition MessageHeader MolecularSequence NamingSystem NutritionOrder Observation
ObservationDefinition OperationDefinition OperationOutcome Organization OrganizationAffiliation
Parameters Patient PaymentNotice PaymentReconciliation Person PlanDefinition Practitioner
PractitionerRole Procedure Provenance Questionnaire QuestionnaireResponse RelatedPerson
RequestGroup ResearchDefinition ResearchElementDefinition ResearchStudy ResearchSubject
RiskAssessment RiskEvidenceSynthesis Schedule SearchParameter ServiceRequest Slot Specimen
SpecimenDefinition StructureDefinition StructureMap Subscription Substance SubstanceNucleicAcid
SubstancePolymer SubstanceProtein SubstanceReferenceInformation SubstanceSourceMaterial
SubstanceSpecification SupplyDelivery SupplyRequest Task TerminologyCapabilities TestReport
TestScript ValueSet VerificationResult VisionPrescription
""".split())
