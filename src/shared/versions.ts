/**
 * Every version the generated project pins, in one place: base images, CUDA
 * images, Python packages and tools. Templates read these through `v`.
 */

/** Python versions offered, each with its pinned slim base image. */
export const pythonImages = {
  '3.10': 'python:3.10.18-slim-bookworm',
  '3.11': 'python:3.11.13-slim-bookworm',
  '3.12': 'python:3.12.11-slim-bookworm',
  '3.13': 'python:3.13.5-slim-bookworm',
} as const;

/** CUDA versions offered, each with its pinned CUDA + cuDNN runtime image. */
export const cudaImages = {
  '12.6': 'nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04',
  '12.8': 'nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04',
  '13.0': 'nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04',
} as const;

export type PythonVersion = keyof typeof pythonImages;
export type CudaVersion = keyof typeof cudaImages;

/** Python packages of the generated project (requirements files). */
export const pythonPackages = {
  // runtime: requirements.txt
  numpy: '2.2.6',
  pandas: '2.3.3',
  'scikit-learn': '1.7.2',
  pyyaml: '6.0.3',
  matplotlib: '3.10.7',
  joblib: '1.5.2',
  mlflow: '3.4.0',
  // serving: requirements.txt and requirements-serve.txt (the serving image)
  fastapi: '0.116.1',
  uvicorn: '0.35.0',
  // the pytorch framework only (requirements.txt); its build comes from torchIndexes
  torch: '2.9.1',
  // development: requirements-dev.txt
  pytest: '8.4.2',
  ruff: '0.14.14',
  jupyterlab: '4.4.9',
  papermill: '2.6.0',
  ipykernel: '6.30.1',
  nbstripout: '0.8.1',
  dvc: '3.63.0',
  'pre-commit': '4.3.0',
  // build backend: pyproject.toml
  setuptools: '80.9.0',
} as const;

/**
 * Where pip finds the torch build each image needs: PyTorch's own wheel
 * index, one per build. torch 2.9.1 is pinned because it is published for
 * all three CUDA versions offered (cu126, cu128, cu130) and as a CPU-only
 * build; a new pin must have all four. The GPU image takes the build of its
 * CUDA version, the CPU image and CI the CPU-only one (PyPI's Linux wheel
 * would bring gigabytes of CUDA libraries).
 */
export const torchIndexes = {
  cpu: 'https://download.pytorch.org/whl/cpu',
  '12.6': 'https://download.pytorch.org/whl/cu126',
  '12.8': 'https://download.pytorch.org/whl/cu128',
  '13.0': 'https://download.pytorch.org/whl/cu130',
} as const satisfies Record<'cpu' | CudaVersion, string>;

/** Tools: pre-commit hook revisions, GitHub Actions, the lock's compiler. */
export const tools = {
  /** pre-commit hook repositories, by rev (ruff and nbstripout follow their Python pins). */
  preCommitHooks: 'v5.0.0',
  ruffPreCommit: `v${pythonPackages.ruff}`,
  nbstripout: pythonPackages.nbstripout,
  /** GitHub Actions, by major version. */
  actionsCheckout: 'v5',
  actionsSetupPython: 'v6',
  actionsUploadArtifact: 'v4',
  dockerSetupBuildx: 'v3',
  dockerBuildPush: 'v6',
  /** The runner image of the generated CI workflow. */
  ciRunner: 'ubuntu-24.04',
  /** pip-compile, which `make lock` runs in a container to lock the image's packages with hashes. */
  pipTools: '7.5.1',
} as const;

export const versions = { pythonImages, cudaImages, pythonPackages, torchIndexes, tools } as const;
export type Versions = typeof versions;
