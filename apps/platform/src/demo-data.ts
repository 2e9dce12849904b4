import { createAccount, findAccounts, hashParameters, type AuthConfig } from '@lectern/auth';
import { AppError, ConfigError, type Database, type HttpApp } from '@lectern/kit';

export interface DemoLogin {
  role: string;
  email: string;
  password: string;
}

export const demoLogins: DemoLogin[] = [
  { role: 'admin', email: 'admin@example.com', password: 'lectern-admin' },
  { role: 'instructor', email: 'instructor@example.com', password: 'lectern-instructor' },
  { role: 'student', email: 'student@example.com', password: 'lectern-student' },
];

/** How an operator removes the demo accounts from the database the settings point at. */
export const removeDemoAccountsCommand = 'npm run demo:remove';

export interface DemoDataSettings {
  NODE_ENV: 'development' | 'production' | 'test';
  DEMO_DATA?: boolean | undefined;
}

/**
 * Demo data has accounts whose passwords are published (README, start banner), so it is made only when asked
 * for: DEMO_DATA=true, or unset on a development start. Production never gets it.
 */
export function demoDataWanted(config: DemoDataSettings): boolean {
  if (config.NODE_ENV === 'production' && config.DEMO_DATA === true) {
    throw new ConfigError([
      'DEMO_DATA=true is refused when NODE_ENV=production: the demo accounts have published passwords',
    ]);
  }
  return config.DEMO_DATA ?? config.NODE_ENV === 'development';
}

/**
 * A production start on a database that still holds the demo accounts (an earlier development run, an import)
 * stops here: anyone could sign in as their admin with the published password.
 */
export async function refuseDemoAccountsInProduction(
  database: Database,
  config: DemoDataSettings,
): Promise<void> {
  demoDataWanted(config);
  if (config.NODE_ENV !== 'production') return;
  const present = await findAccounts(
    database,
    demoLogins.map((login) => login.email),
  );
  if (present.length === 0) return;
  throw new ConfigError([
    `NODE_ENV=production, but the demo accounts with published passwords exist: ${present
      .map((account) => `${account.email} (${account.role})`)
      .join(
        ', ',
      )}. Remove them with \`${removeDemoAccountsCommand}\` (same DATABASE_URL / DATA_DIR), then start again`,
  ]);
}

interface DemoLesson {
  title: string;
  content: string;
  kind?: 'text' | 'quiz';
  /** A quiz lesson's quiz, as PUT /api/assessments/quizzes/:lesson_id takes it. */
  quiz?: object;
}

interface DemoCourse {
  title: string;
  description: string;
  /** Lessons in no section: the course's unnamed first part. */
  lessons: DemoLesson[];
  /** Enrollment settings, as the course API takes them. */
  settings?: { enrollment?: 'open' | 'invite' | 'closed'; capacity?: number; sequential?: boolean };
  /** `opensInDays`: the section is released that many days after the seed (none: open now). */
  sections?: { title: string; opensInDays?: number; lessons: DemoLesson[] }[];
  /** An invite code is created for it. */
  invite?: { max_uses: number };
}

const dayMs = 86_400_000;

const demoCourses: DemoCourse[] = [
  {
    title: 'Основы Python',
    description: 'Переменные, типы, условия, циклы и функции: первый шаг в программировании на Python.',
    lessons: [
      {
        title: 'Переменные и типы данных',
        content:
          '# Переменные и типы данных\n\nВ Python переменная создаётся присваиванием:\n\n```python\nname = "Лектерн"\nyear = 2026\nprice = 9.99\n```\n\nОсновные типы: `int`, `float`, `str`, `bool`, `list`, `dict`.\n\n> Тип значения можно узнать функцией `type()`.\n',
      },
      {
        title: 'Условия и циклы',
        content:
          '# Условия и циклы\n\n```python\nfor n in range(1, 16):\n    if n % 15 == 0:\n        print("FizzBuzz")\n    elif n % 3 == 0:\n        print("Fizz")\n    else:\n        print(n)\n```\n\n- `if` / `elif` / `else` выбирают ветку;\n- `for` проходит по последовательности;\n- `while` повторяет, пока условие истинно.\n',
      },
      {
        title: 'Функции',
        content:
          '# Функции\n\n```python\ndef greet(name: str) -> str:\n    return f"Привет, {name}!"\n```\n\nФункция принимает аргументы, возвращает значение и делает код переиспользуемым.\n',
      },
    ],
  },
  {
    title: 'FastAPI для бэкенда',
    description: 'Как построить HTTP API на FastAPI: маршруты, валидация, зависимости и тесты.',
    lessons: [
      {
        title: 'Первое приложение',
        content:
          '# Первое приложение\n\n```python\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n@app.get("/health")\ndef health():\n    return {"status": "ok"}\n```\n\nЗапуск: `uvicorn main:app --reload`.\n',
      },
      {
        title: 'Валидация с Pydantic',
        content:
          '# Валидация с Pydantic\n\nМодель описывает тело запроса, а FastAPI сам отвечает **422**, если данные неверны.\n\n```python\nclass Course(BaseModel):\n    title: str\n    description: str | None = None\n```\n',
      },
    ],
  },
  {
    title: 'Git и GitHub для разработчика',
    description: 'Коммиты, ветки, слияния и pull request: ежедневная работа с Git и GitHub.',
    lessons: [
      {
        title: 'Коммиты',
        content:
          '# Коммиты\n\n```sh\ngit init\ngit add README.md\ngit commit -m "Первый коммит"\n```\n\nХороший коммит маленький, а его сообщение объясняет *зачем*.\n',
      },
      {
        title: 'Ветки и слияния',
        content:
          '# Ветки и слияния\n\n```sh\ngit switch -c feature/login\n# ...работа...\ngit switch main\ngit merge feature/login\n```\n',
      },
      {
        title: 'Pull request на GitHub',
        content:
          '# Pull request\n\n1. Отправьте ветку: `git push -u origin feature/login`.\n2. Откройте pull request.\n3. Дождитесь ревью и зелёного CI.\n',
      },
    ],
  },
  {
    title: 'SQL и PostgreSQL',
    description: 'Запросы, соединения и индексы: курс по неделям, вторая неделя открывается завтра.',
    settings: { capacity: 100, sequential: true },
    lessons: [
      {
        title: 'Как устроен курс',
        content:
          '# Как устроен курс\n\nУроки идут по неделям и проходятся по порядку. Неделя 2 откроется завтра.\n',
      },
    ],
    sections: [
      {
        title: 'Неделя 1. Запросы',
        lessons: [
          {
            title: 'SELECT и WHERE',
            content:
              '# SELECT и WHERE\n\n```sql\nSELECT title FROM courses WHERE published ORDER BY id LIMIT 10;\n```\n',
          },
          {
            title: 'JOIN',
            content:
              '# JOIN\n\n```sql\nSELECT c.title, l.title\nFROM courses c JOIN lessons l ON l.course_id = c.id;\n```\n',
          },
          {
            title: 'Проверка: запросы',
            content: 'Тест по первой неделе: 15 минут, две попытки, засчитывается лучшая.',
            kind: 'quiz',
            quiz: {
              time_limit_seconds: 900,
              max_attempts: 2,
              pass_percent: 70,
              grading: 'highest',
              shuffle_questions: true,
              shuffle_options: true,
              show_answers: 'after_submit',
              questions: [
                {
                  kind: 'single',
                  text: 'Какое предложение отбирает строки по условию?',
                  options: [
                    { text: '`WHERE`', correct: true },
                    { text: '`ORDER BY`', correct: false },
                    { text: '`GROUP BY`', correct: false },
                  ],
                },
                {
                  kind: 'multiple',
                  text: 'Какие из этих соединений есть в PostgreSQL?',
                  options: [
                    { text: '`INNER JOIN`', correct: true },
                    { text: '`LEFT JOIN`', correct: true },
                    { text: '`FULL JOIN`', correct: true },
                    { text: '`SIDEWAYS JOIN`', correct: false },
                  ],
                },
                {
                  kind: 'true_false',
                  text: '`SELECT` без `ORDER BY` всегда возвращает строки в порядке их вставки.',
                  options: [
                    { text: 'Верно', correct: false },
                    { text: 'Неверно', correct: true },
                  ],
                },
                {
                  kind: 'short_text',
                  text: 'Какое слово ограничивает число строк в ответе запроса?',
                  answers: ['LIMIT', 'LIMIT n'],
                },
                {
                  kind: 'numeric',
                  text: 'Сколько строк вернёт `SELECT * FROM generate_series(1, 10) AS n WHERE n % 2 = 0`?',
                  number: 5,
                },
                {
                  kind: 'essay',
                  text: 'Чем `INNER JOIN` отличается от `LEFT JOIN`? Объясните на примере курсов и уроков.',
                  points: 3,
                },
              ],
            },
          },
        ],
      },
      {
        title: 'Неделя 2. Индексы',
        opensInDays: 1,
        lessons: [
          {
            title: 'B-tree и EXPLAIN',
            content:
              '# B-tree и EXPLAIN\n\n```sql\nCREATE INDEX ON lessons (course_id, "order");\nEXPLAIN ANALYZE SELECT * FROM lessons WHERE course_id = 1;\n```\n',
          },
        ],
      },
    ],
  },
  {
    title: 'Закрытый семинар по архитектуре',
    description: 'Разбор реальных систем в малой группе: запись только по приглашению.',
    settings: { enrollment: 'invite', capacity: 20 },
    invite: { max_uses: 20 },
    lessons: [
      {
        title: 'Знакомство',
        content: '# Знакомство\n\nКаждый участник приносит схему системы, с которой работает.\n',
      },
    ],
  },
];

/** A course whose one lesson is a quiz with a question of each of the six kinds (assessments, DESIGN §12). */
const demoQuizCourse = {
  title: 'Проверь себя: Python',
  description:
    'Короткий тест по основам Python: вопросы всех шести видов, три попытки, ответы после отправки.',
  lesson: { title: 'Итоговый тест', content: 'Тест на 10 минут. Ответы сохраняются по ходу.', kind: 'quiz' },
  quiz: {
    time_limit_seconds: 600,
    max_attempts: 3,
    pass_percent: 60,
    grading: 'highest',
    shuffle_options: true,
    show_answers: 'after_submit',
    questions: [
      {
        kind: 'single',
        text: 'Какой тип у значения `3.0`?',
        options: [
          { text: '`int`', correct: false },
          { text: '`float`', correct: true },
          { text: '`str`', correct: false },
        ],
      },
      {
        kind: 'multiple',
        text: 'Какие из этих типов **изменяемые**?',
        options: [
          { text: '`list`', correct: true },
          { text: '`dict`', correct: true },
          { text: '`tuple`', correct: false },
          { text: '`str`', correct: false },
        ],
      },
      { kind: 'true_false', text: '`len("abc")` возвращает `3`.', answers: ['true'] },
      { kind: 'short_text', text: 'Какой функцией узнают тип значения?', answers: ['type', 'type()'] },
      { kind: 'numeric', text: 'Чему равно `7 // 2`?', number: 3 },
      { kind: 'essay', text: 'Объясните своими словами, чем `list` отличается от `tuple`.', points: 2 },
    ],
  },
};

async function putDemoQuiz(
  app: HttpApp,
  headers: { authorization: string },
  lessonId: number,
  quiz: object,
): Promise<void> {
  const response = await app.inject({
    method: 'PUT',
    url: `/api/assessments/quizzes/${lessonId}`,
    headers,
    payload: quiz,
  });
  if (response.statusCode !== 200) throw new Error(`demo quiz not created: ${response.body}`);
}

async function seedDemoQuiz(app: HttpApp, headers: { authorization: string }): Promise<void> {
  const created = await app.inject({
    method: 'POST',
    url: '/api/courses',
    headers,
    payload: { title: demoQuizCourse.title, description: demoQuizCourse.description, published: true },
  });
  if (created.statusCode !== 201) throw new Error(`demo quiz course not created: ${created.body}`);
  const { id } = created.json<{ id: number }>();
  const lesson = await app.inject({
    method: 'POST',
    url: `/api/courses/${id}/lessons`,
    headers,
    payload: demoQuizCourse.lesson,
  });
  if (lesson.statusCode !== 201) throw new Error(`demo quiz lesson not created: ${lesson.body}`);
  await putDemoQuiz(app, headers, lesson.json<{ id: number }>().id, demoQuizCourse.quiz);
}

async function ensureAccount(database: Database, config: AuthConfig, login: DemoLogin): Promise<void> {
  try {
    await createAccount(
      database,
      {
        email: login.email,
        password: login.password,
        role: login.role as 'admin' | 'instructor' | 'student',
      },
      { parameters: hashParameters(config) },
    );
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 409) return;
    throw error;
  }
}

/**
 * On a first start (an empty catalog) creates the demo accounts, the three courses codERROR shipped, a course
 * in sections (the second released a day after the seed) whose quiz has a question of each kind, an invite-only
 * course and a course that is one quiz, through
 * the public API as the demo instructor, so demo data obeys every rule real data does. Returns whether it did.
 */
export async function seedDemoData(app: HttpApp, database: Database, config: AuthConfig): Promise<boolean> {
  const catalog = await app.inject({ method: 'GET', url: '/api/courses?limit=1' });
  if (catalog.statusCode !== 200 || catalog.json<unknown[]>().length > 0) return false;
  for (const login of demoLogins) await ensureAccount(database, config, login);

  const instructor = demoLogins[1];
  if (!instructor) return false;
  const session = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email: instructor.email, password: instructor.password },
  });
  const { access_token: token } = session.json<{ access_token: string }>();
  const headers = { authorization: `Bearer ${token}` };
  const post = async (url: string, payload: object, what: string): Promise<{ id: number }> => {
    const response = await app.inject({ method: 'POST', url, headers, payload });
    if (response.statusCode !== 201) throw new Error(`demo ${what} not created: ${response.body}`);
    return response.json<{ id: number }>();
  };
  const seededAt = Date.now();
  for (const course of demoCourses) {
    const { id } = await post(
      '/api/courses',
      { title: course.title, description: course.description, published: true, ...course.settings },
      'course',
    );
    for (const { quiz, ...lesson } of course.lessons) {
      const created = await post(`/api/courses/${id}/lessons`, lesson, 'lesson');
      if (quiz) await putDemoQuiz(app, headers, created.id, quiz);
    }
    for (const section of course.sections ?? []) {
      const opensAt = section.opensInDays === undefined ? null : seededAt + section.opensInDays * dayMs;
      const created = await post(
        `/api/courses/${id}/sections`,
        { title: section.title, available_from: opensAt === null ? null : new Date(opensAt).toISOString() },
        'section',
      );
      for (const { quiz, ...lesson } of section.lessons) {
        const added = await post(
          `/api/courses/${id}/lessons`,
          { ...lesson, section_id: created.id },
          'lesson',
        );
        if (quiz) await putDemoQuiz(app, headers, added.id, quiz);
      }
    }
    if (course.invite) await post(`/api/courses/${id}/invites`, course.invite, 'invite');
  }
  await seedDemoQuiz(app, headers);
  return true;
}
