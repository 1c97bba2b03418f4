/**
 * Names a generated Python package must not take: importing it would shadow
 * the standard library, a dependency the project installs, or a folder of
 * the project itself.
 */

/** Public standard-library modules of Python 3.10 to 3.13 (`sys.stdlib_module_names` plus `test`). */
export const stdlibModules: ReadonlySet<string> = new Set(
  `
  abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb
  binascii bisect builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop
  collections colorsys compileall concurrent configparser contextlib contextvars copy copyreg
  crypt csv ctypes curses dataclasses datetime dbm decimal difflib dis distutils doctest email
  encodings ensurepip enum errno faulthandler fcntl filecmp fileinput fnmatch fractions ftplib
  functools gc genericpath getopt getpass gettext glob graphlib grp gzip hashlib heapq hmac html
  http idlelib imaplib imghdr imp importlib inspect io ipaddress itertools json keyword lib2to3
  linecache locale logging lzma mailbox mailcap marshal math mimetypes mmap modulefinder msilib
  msvcrt multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator optparse
  os ossaudiodev pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix
  posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat queue
  quopri random re readline reprlib resource rlcompleter runpy sched secrets select selectors
  shelve shlex shutil signal site smtpd smtplib sndhdr socket socketserver spwd sqlite3
  sre_compile sre_constants sre_parse ssl stat statistics string stringprep struct subprocess
  sunau symtable sys sysconfig syslog tabnanny tarfile telnetlib tempfile termios test textwrap
  this threading time timeit tkinter token tokenize tomllib trace traceback tracemalloc tty
  turtle turtledemo types typing unicodedata unittest urllib uu uuid venv warnings wave weakref
  webbrowser winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib zoneinfo
`.split(/\s+/).filter(Boolean),
);

/** Keywords, including the soft keywords `match`, `case` and `type`. */
export const pythonKeywords: ReadonlySet<string> = new Set(
  `
  False None True and as assert async await break case class continue def del elif else except
  finally for from global if import in is lambda match nonlocal not or pass raise return try
  type while with yield
`.split(/\s+/).filter(Boolean),
);

/** Import names of the packages the generated project installs, and common ML packages users add. */
export const dependencyModules: ReadonlySet<string> = new Set([
  'numpy', 'pandas', 'sklearn', 'scikit_learn', 'scipy', 'yaml', 'matplotlib', 'joblib', 'mlflow',
  'pytest', 'ruff', 'jupyter', 'jupyterlab', 'notebook', 'ipykernel', 'IPython', 'papermill',
  'nbstripout', 'dvc', 'pre_commit', 'setuptools', 'pip', 'wheel', 'pkg_resources',
  'torch', 'torchvision', 'tensorflow', 'keras', 'jax', 'xgboost', 'lightgbm', 'catboost',
  'transformers', 'datasets', 'seaborn', 'plotly', 'requests', 'pydantic',
]);

/** Top-level folders of the generated project: a package of the same name would collide. */
export const projectFolders: ReadonlySet<string> = new Set([
  'data', 'models', 'notebooks', 'reports', 'configs', 'tests', 'docker',
]);

/**
 * Top-level folder names the generated `.gitignore` (templates/_gitignore.ejs)
 * ignores that a package could take: its code would never be committed.
 * test/python-names.test.ts derives the same set from the template.
 */
export const ignoredNames: ReadonlySet<string> = new Set(['__pycache__', 'build', 'dist', 'venv', 'htmlcov', 'mlruns', 'runs']);
