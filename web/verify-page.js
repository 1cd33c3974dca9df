import { initLang } from './i18n.js';
import { setupUpload } from './upload.js';

initLang();
setupUpload();
