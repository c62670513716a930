// A practice's patients in the app, as the end-to-end tests reach them: the demo extraction
// imported through the import dialog, and one patient opened from the list.
import { readFile } from 'node:fs/promises';

const BUNDLE = new URL('../../crates/kring-extraction/tests/fixtures/nl-core-bundle.json', import.meta.url);

/** Choose the extraction in the import dialog, as the user's choice arrives. */
export async function importExtraction(app) {
  const bundle = await readFile(BUNDLE, 'utf8');
  await app.click('[data-testid="nav-patients"]');
  await app.find('[data-testid="import-file"]');
  await app.call('POST', '/execute/sync', {
    script: `const [css, text] = arguments;
      const files = new DataTransfer();
      files.items.add(new File([text], 'extractie.json', { type: 'application/json' }));
      const input = document.querySelector(css);
      input.files = files.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));`,
    args: ['[data-testid="import-file"]', bundle],
  });
  await app.waitForText('[data-testid="patient-count"]', '2 patiënten');
}

/** Open a patient from the list by (part of) the name. */
export async function openPatient(app, search, name) {
  await app.click('[data-testid="nav-patients"]');
  await app.type('[data-testid="patient-search"]', search);
  await app.waitForText('[data-testid="patient-count"]', '1 van 2 patiënten');
  await app.click('[data-testid="patient-row"] button');
  await app.waitForText('[data-testid="patient-name"]', name);
}
