import { DiagnosisContext, DiagnosisFact } from '../model/parsed-message.model';
import { XmlElement } from '../xml/xml-element.model';
import { child, childV, children, coded, CodedValue } from '../xml/xml-navigation.util';

/** Code-list OIDs (2.16.578.1.12.4.1.1.<nr>) used for diagnoses and the one that must not be. */
export const CODE_SYSTEM = {
  ICD10: '2.16.578.1.12.4.1.1.7110',
  ICPC2: '2.16.578.1.12.4.1.1.7170',
  ICPC2B: '2.16.578.1.12.4.1.1.7171',
  ATC: '2.16.578.1.12.4.1.1.7180',
} as const;

const ICD10_FORMAT = /^[A-Z]\d\d(\d|[A-Z])*$/;
const ICPC2_FORMAT = /^[A-Z]\d\d$/;
const ICPC2B_FORMAT = /^[A-Z]\d\d[0-9A-Z]*$/;

/**
 * Upper-cased, dots, whitespace and dagger/asterisk markers removed: "I50.9" → "I509", "c03c a01" → "C03CA01".
 * The original stays in DiagnosisFact.code.
 */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[.\s*†+]/g, '');
}

/**
 * True when the code cannot belong to the claimed code system: ICD-10 must look like [A-Z]\d\d(\d|[A-Z])*,
 * ICPC-2 like [A-Z]\d\d, and an ATC code list (7180) is never right on a diagnosis (guide §6, C61@7180).
 * Unknown code systems are not judged.
 */
export function isCodeSystemMismatch(codeSystemOid: string | undefined, normalizedCode: string): boolean {
  switch (codeSystemOid) {
    case CODE_SYSTEM.ICD10:
      return !ICD10_FORMAT.test(normalizedCode);
    case CODE_SYSTEM.ICPC2:
      return !ICPC2_FORMAT.test(normalizedCode);
    case CODE_SYSTEM.ICPC2B:
      return !ICPC2B_FORMAT.test(normalizedCode);
    case CODE_SYSTEM.ATC:
      return true;
    default:
      return false;
  }
}

/** Everything about a diagnosis except its code, which comes from a CV. */
export interface DiagnosisContextFields {
  context: DiagnosisContext;
  isMain: DiagnosisFact['isMain'];
  text?: string;
  startDate?: string;
  endDate?: string;
  modifierOf?: string;
}

/**
 * Builds a DiagnosisFact from a CV (Diagnosekode, Concept, Modifier/Value). Returns undefined when there
 * is neither a code nor a text, so empty elements never become facts. The @DN display text is kept for
 * humans but nothing is derived from it.
 */
export function diagnosisFromCode(cv: CodedValue | undefined, fields: DiagnosisContextFields): DiagnosisFact | undefined {
  const code = cv?.v;
  if (code === undefined && fields.text === undefined && cv?.ot === undefined) return undefined;
  const fact: DiagnosisFact = { isMain: fields.isMain, context: fields.context };
  if (cv?.s !== undefined) fact.codeSystemOid = cv.s;
  if (code !== undefined) {
    fact.code = code;
    fact.normalizedCode = normalizeCode(code);
    fact.codeSystemMismatch = isCodeSystemMismatch(cv?.s, fact.normalizedCode);
  }
  const display = cv?.dn ?? cv?.ot;
  if (display !== undefined) fact.display = display;
  if (fields.text !== undefined) fact.text = fields.text;
  if (fields.startDate !== undefined) fact.startDate = fields.startDate;
  if (fields.endDate !== undefined) fact.endDate = fields.endDate;
  if (fields.modifierOf !== undefined) fact.modifierOf = fields.modifierOf;
  return fact;
}

/**
 * Diagnoses from a Concept holder (epikrise CodedDescr, henvisning Diagnosis): the Concept itself, then
 * each ICD-10 asterisk/supplementary code from Modifier[Name/@V='S']/Value (code list 7305) as its own
 * fact with `modifierOf` set and isMain 'false', so the code is searchable but never a main diagnosis.
 */
export function diagnosesWithModifiers(holder: XmlElement, ns: string, fields: DiagnosisContextFields): DiagnosisFact[] {
  const out: DiagnosisFact[] = [];
  const main = diagnosisFromCode(coded(child(holder, ns, 'Concept')), fields);
  if (main === undefined) return out;
  out.push(main);
  for (const modifier of children(holder, ns, 'Modifier')) {
    if (childV(modifier, ns, 'Name')?.toUpperCase() !== 'S') continue;
    for (const value of children(modifier, ns, 'Value')) {
      const fact = diagnosisFromCode(coded(value), {
        context: fields.context,
        isMain: 'false',
        startDate: fields.startDate,
        endDate: fields.endDate,
        modifierOf: main.normalizedCode,
      });
      if (fact?.code !== undefined) out.push(fact);
    }
  }
  return out;
}
