/**
 * Patterns every workspace gets without writing them. Noise can be re-included with `!pattern`
 * in .contextignore or settings; secret files cannot, because a cloned repository's
 * .contextignore is not the user's word and must not be able to send its `.env` anywhere.
 */
export const DEFAULT_NOISE_PATTERNS: readonly string[] = [
  // dependencies
  'node_modules/', 'bower_components/', 'vendor/bundle/', '.venv/', 'venv/', '__pycache__/', '.tox/',
  // build output and caches
  'dist/', 'out/', 'build/', '.next/', '.nuxt/', 'coverage/', '.cache/', '.vscode-test/', '*.pyc', '*.tsbuildinfo',
  // lock files
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock', 'poetry.lock',
  'Pipfile.lock', 'uv.lock', 'Cargo.lock', 'composer.lock', 'Gemfile.lock',
  // minified and bundled code, source maps
  '*.min.js', '*.min.mjs', '*.min.cjs', '*.min.css', '*.bundle.js', '*.map',
  // test specs
  '*.spec.*', '*.test.*',
];

/** Secret files: always denied, whatever a later pattern says, and matched without regard to case. */
export const DEFAULT_SECRET_PATTERNS: readonly string[] = [
  '.env*', '*.env', '.envrc',
  '*.pem', '*.key', '*.p12', '*.pfx', '*.jks', '*.keystore', '*.p8', '*.ppk', '*.asc', '*.gpg',
  'id_rsa*', 'id_dsa*', 'id_ecdsa*', 'id_ed25519*', '.ssh/', '.gnupg/', '.aws/', '.azure/', '.kube/config', '.docker/config.json',
  '.npmrc', '.yarnrc.yml', '.pypirc', '.netrc', '_netrc', '.git-credentials', '.htpasswd', '.pgpass', '.my.cnf',
  'credentials', 'credentials.json', '*credentials*.json', 'client_secret*.json', 'service-account*.json', '*serviceaccount*.json',
  'secrets.json', 'secrets.yml', 'secrets.yaml', '*.secret', '*.secrets', 'terraform.tfstate*', '*.tfvars',
  // Version control metadata (remotes with tokens, hooks, the whole history): never the
  // repository's own .contextignore to re-include.
  '.git/', '.hg/', '.svn/',
  // Code files that hold secrets by convention (the engine reads code, so these matter most).
  'secrets.*', '*.secrets.*', 'credentials.*', '*_credentials.*', 'local_settings.py', '*_local_settings.py', 'settings_local.py',
];
