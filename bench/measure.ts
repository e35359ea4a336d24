// Preloaded into every measured child (`node --import <url of this file>`): when the child exits it writes its own
// CPU time and peak RSS to the file named by BENCH_USAGE_FILE. Measuring from inside the child counts exactly that
// process, which the parent cannot get from Node's child_process API.
import { writeFileSync } from 'node:fs';

export interface Usage {
  cpuUserUs: number;
  cpuSystemUs: number;
  maxRssKb: number;
}

const usageFile = process.env.BENCH_USAGE_FILE;
if (usageFile) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const record: Usage = { cpuUserUs: usage.userCPUTime, cpuSystemUs: usage.systemCPUTime, maxRssKb: usage.maxRSS };
    writeFileSync(usageFile, JSON.stringify(record));
  });
}
