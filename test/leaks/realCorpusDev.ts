import { RealCase } from './realCorpusTypes';

export const REAL_DEV: RealCase[] = [];
