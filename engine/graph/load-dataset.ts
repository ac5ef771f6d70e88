// Loads a dataset folder (dataset.yaml + CSV) into a graph store at the start of a run.
import { PcqError } from '../base/errors.ts';
import type { DatasetLoadReport, GraphStore } from '../base/graph-store.ts';
import type { DatasetFile } from '../base/dataset.ts';
import { readDataset } from './read-dataset.ts';

/** The load report plus every file read and its digest (what the run's manifest binds). */
export type LoadedDataset = DatasetLoadReport & { files: DatasetFile[] };

export async function loadDataset(store: GraphStore, datasetDir: string): Promise<LoadedDataset> {
  if (!store.loadDataset) {
    throw new PcqError({
      code: 'PCQ_GRAPH_UNSUPPORTED',
      message: `the ${store.backend} graph store cannot load datasets`,
      hint: 'Use the embedded (kuzu) or Neo4j backend, or drop `dataset:` from the runbook.',
    });
  }
  const dataset = await readDataset(datasetDir);
  return { ...(await store.loadDataset(dataset)), files: dataset.files };
}
