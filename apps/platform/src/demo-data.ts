import { createAccount, hashParameters, type AuthConfig } from '@lectern/auth';
import { AppError, type Database, type HttpApp } from '@lectern/kit';

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

interface DemoCourse {
  title: string;
  description: string;
  lessons: { title: string; content: string }[];
}

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
];

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
 * On a first start (an empty catalog) creates the demo accounts and the three courses codERROR shipped, through
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
  for (const course of demoCourses) {
    const created = await app.inject({
      method: 'POST',
      url: '/api/courses',
      headers,
      payload: { title: course.title, description: course.description, published: true },
    });
    if (created.statusCode !== 201) throw new Error(`demo course not created: ${created.body}`);
    const { id } = created.json<{ id: number }>();
    for (const lesson of course.lessons) {
      const added = await app.inject({
        method: 'POST',
        url: `/api/courses/${id}/lessons`,
        headers,
        payload: lesson,
      });
      if (added.statusCode !== 201) throw new Error(`demo lesson not created: ${added.body}`);
    }
  }
  return true;
}
