// A worker that erases a subject from a files dataset and stops after writing and fsyncing the new
// version, before the rename, so the test can kill it there (files.test.ts). Input: argv[2] as JSON.
import { eraseFiles, type FileAction, type FileDataset } from '../../server/systems/engines/files';

const { root, dataset, identity, action } = JSON.parse(process.argv[2]) as {
  root: string;
  dataset: FileDataset;
  identity: Record<string, string[]>;
  action: FileAction;
};
await eraseFiles(root, dataset, identity, action, {
  reference: 'killed-run',
  hooks: {
    beforeRename: async () => {
      process.stdout.write('WRITTEN\n');
      await new Promise(() => {}); // wait to be killed
    },
  },
});
