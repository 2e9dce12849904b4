import { lazy, Suspense, useEffect, useRef, type ReactNode, type RefObject } from 'react';
import { Link, Route, Switch, useLocation, useRoute } from 'wouter';
import { AuthProvider, hasRole, STUDIO_ROLES, useAuth } from './auth/auth';
import { ErrorMessage } from './components/error-message';
import { Loading } from './components/loading';
import { RequireAuth } from './components/require-auth';
import { I18nProvider, LANGUAGE_NAMES, LANGUAGES, useI18n, type Language } from './i18n/i18n';
import { CatalogPage } from './pages/catalog.page';
import { CoursePage } from './pages/learn/course.page';
import { LoginPage, RegisterPage } from './pages/account/sign-in.page';
import { VerifyEmailBanner } from './components/verify-email-banner';
import { ForgotPasswordPage } from './pages/account/forgot-password.page';
import { ResetPasswordPage } from './pages/account/reset-password.page';
import { VerifyEmailPage } from './pages/account/verify-email.page';
import { SsoLandingPage } from './pages/account/sso.page';
import { MyLearningPage } from './pages/learn/my-learning.page';
import { NotFoundPage } from './pages/not-found.page';

const LessonPage = lazy(() => import('./pages/learn/lesson.page').then((m) => ({ default: m.LessonPage })));
const StudioPage = lazy(() => import('./pages/studio/studio.page').then((m) => ({ default: m.StudioPage })));
const StudioCoursePage = lazy(() =>
  import('./pages/studio/studio-course.page').then((m) => ({ default: m.StudioCoursePage })),
);
const RosterPage = lazy(() => import('./pages/studio/roster.page').then((m) => ({ default: m.RosterPage })));
const AnalyticsPage = lazy(() =>
  import('./pages/studio/analytics.page').then((m) => ({ default: m.AnalyticsPage })),
);
const QuizStatsPage = lazy(() =>
  import('./pages/studio/quiz-stats.page').then((m) => ({ default: m.QuizStatsPage })),
);
const QuizEditorPage = lazy(() =>
  import('./pages/studio/quiz-editor.page').then((m) => ({ default: m.QuizEditorPage })),
);
const GradingQueuePage = lazy(() =>
  import('./pages/studio/grading-queue.page').then((m) => ({ default: m.GradingQueuePage })),
);
const CertificatePage = lazy(() =>
  import('./pages/certificates/certificate.page').then((m) => ({ default: m.CertificatePage })),
);
const AdminPage = lazy(() => import('./pages/admin.page').then((m) => ({ default: m.AdminPage })));

/** A positive integer id from a route parameter, or null. */
function parseId(value: string | undefined): number | null {
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** The page `render` makes of the named route parameters read as ids, or the not-found page when one is not. */
function withIds<Name extends string>(
  params: Partial<Record<Name, string>>,
  names: readonly Name[],
  render: (ids: Record<Name, number>) => ReactNode,
): ReactNode {
  const ids = {} as Record<Name, number>;
  for (const name of names) {
    const id = parseId(params[name]);
    if (id === null) return <NotFoundPage />;
    ids[name] = id;
  }
  return render(ids);
}

/** The studio's pages: instructors and admins only. */
function StudioOnly({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  return (
    <RequireAuth roles={STUDIO_ROLES} forbiddenMessage={t.studio.instructorsOnly}>
      {children}
    </RequireAuth>
  );
}

function NavLink({ href, testId, children }: { href: string; testId: string; children: ReactNode }) {
  const [exact] = useRoute(href);
  const [nested] = useRoute(`${href}/*`);
  const active = exact || (href !== '/' && nested);
  const ref = useRef<HTMLAnchorElement>(null);

  useEffect(() => {
    // On narrow screens the nav scrolls sideways; keep the current section in view.
    if (active) ref.current?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [active]);

  return (
    <Link
      ref={ref}
      href={href}
      className="nav-link"
      aria-current={active ? 'page' : undefined}
      data-testid={testId}
    >
      {children}
    </Link>
  );
}

function LanguageSwitcher() {
  const { language, setLanguage, t } = useI18n();
  return (
    <label className="language-switcher">
      <span className="visually-hidden">{t.nav.language}</span>
      <select
        value={language}
        onChange={(event) => setLanguage(event.target.value as Language)}
        data-testid="lang-switch"
      >
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LANGUAGE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}

function Header() {
  const { t } = useI18n();
  const auth = useAuth();
  const [, navigate] = useLocation();
  const user = auth.user;

  return (
    <header className="site-header">
      <div className="container header-inner">
        <Link href="/" className="brand" data-testid="brand">
          <span className="brand-mark" aria-hidden="true">
            L
          </span>
          {t.app.name}
        </Link>
        <nav aria-label={t.nav.label} className="main-nav">
          <ul>
            <li>
              <NavLink href="/" testId="nav-catalog">
                {t.nav.catalog}
              </NavLink>
            </li>
            {user && (
              <li>
                <NavLink href="/my" testId="nav-my">
                  {t.nav.myLearning}
                </NavLink>
              </li>
            )}
            {hasRole(user, STUDIO_ROLES) && (
              <li>
                <NavLink href="/studio" testId="nav-studio">
                  {t.nav.studio}
                </NavLink>
              </li>
            )}
            {hasRole(user, ['admin']) && (
              <li>
                <NavLink href="/admin" testId="nav-admin">
                  {t.nav.admin}
                </NavLink>
              </li>
            )}
          </ul>
        </nav>
        <div className="header-tools">
          <LanguageSwitcher />
          {user ? (
            <>
              <span className="user-email" data-testid="user-email" title={t.nav.signedInAs(user.email)}>
                <span className="visually-hidden">{t.nav.signedInAs('')}</span>
                {user.email}
              </span>
              <button
                type="button"
                className="button button-secondary button-small"
                data-testid="logout-button"
                onClick={() => {
                  navigate('/');
                  void auth.signOut();
                }}
              >
                {t.nav.signOut}
              </button>
            </>
          ) : (
            auth.state.status !== 'loading' && (
              <>
                <Link href="/login" className="button button-secondary button-small" data-testid="nav-login">
                  {t.nav.signIn}
                </Link>
                <Link href="/register" className="button button-small" data-testid="nav-register">
                  {t.nav.register}
                </Link>
              </>
            )
          )}
        </div>
      </div>
    </header>
  );
}

function Routes() {
  return (
    <Suspense fallback={<Loading />}>
      <Switch>
        <Route path="/" component={CatalogPage} />
        <Route path="/courses/:id">
          {(params) => withIds(params, ['id'], ({ id }) => <CoursePage id={id} />)}
        </Route>
        <Route path="/courses/:id/lessons/:lessonId">
          {(params) =>
            withIds(params, ['id', 'lessonId'], ({ id, lessonId }) => (
              <LessonPage courseId={id} lessonId={lessonId} />
            ))
          }
        </Route>
        <Route path="/courses/:id/lessons/:lessonId/attempts/:attemptId">
          {(params) =>
            withIds(params, ['id', 'lessonId', 'attemptId'], ({ id, lessonId, attemptId }) => (
              <RequireAuth>
                <LessonPage courseId={id} lessonId={lessonId} attemptId={attemptId} />
              </RequireAuth>
            ))
          }
        </Route>
        <Route path="/login" component={LoginPage} />
        <Route path="/register" component={RegisterPage} />
        <Route path="/account/forgot-password" component={ForgotPasswordPage} />
        <Route path="/account/reset-password" component={ResetPasswordPage} />
        <Route path="/account/verify-email" component={VerifyEmailPage} />
        <Route path="/account/sso" component={SsoLandingPage} />
        <Route path="/my">
          <RequireAuth>
            <MyLearningPage />
          </RequireAuth>
        </Route>
        <Route path="/studio">
          <StudioOnly>
            <StudioPage />
          </StudioOnly>
        </Route>
        <Route path="/studio/courses/:id">
          {(params) =>
            withIds(params, ['id'], ({ id }) => (
              <StudioOnly>
                <StudioCoursePage id={id} />
              </StudioOnly>
            ))
          }
        </Route>
        <Route path="/studio/courses/:id/roster">
          {(params) =>
            withIds(params, ['id'], ({ id }) => (
              <StudioOnly>
                <RosterPage id={id} />
              </StudioOnly>
            ))
          }
        </Route>
        <Route path="/studio/courses/:id/analytics">
          {(params) =>
            withIds(params, ['id'], ({ id }) => (
              <StudioOnly>
                <AnalyticsPage id={id} />
              </StudioOnly>
            ))
          }
        </Route>
        <Route path="/studio/courses/:id/quizzes/:lessonId/stats">
          {(params) =>
            withIds(params, ['id', 'lessonId'], ({ id, lessonId }) => (
              <StudioOnly>
                <QuizStatsPage courseId={id} lessonId={lessonId} />
              </StudioOnly>
            ))
          }
        </Route>
        <Route path="/studio/courses/:id/quizzes/:lessonId">
          {(params) =>
            withIds(params, ['id', 'lessonId'], ({ id, lessonId }) => (
              <StudioOnly>
                <QuizEditorPage courseId={id} lessonId={lessonId} />
              </StudioOnly>
            ))
          }
        </Route>
        <Route path="/studio/courses/:id/quizzes/:lessonId/grading">
          {(params) =>
            withIds(params, ['id', 'lessonId'], ({ id, lessonId }) => (
              <StudioOnly>
                <GradingQueuePage courseId={id} lessonId={lessonId} />
              </StudioOnly>
            ))
          }
        </Route>
        <Route path="/certificates/:id">{(params) => <CertificatePage id={params.id} />}</Route>
        <Route path="/admin">
          <RequireAuth roles={['admin']}>
            <AdminPage />
          </RequireAuth>
        </Route>
        <Route>
          <NotFoundPage />
        </Route>
      </Switch>
    </Suspense>
  );
}

/** Moves focus and scroll to the new page after client-side navigation, as a full load would. */
function useRouteFocus(main: RefObject<HTMLElement | null>): void {
  const [pathname] = useLocation();
  const previous = useRef(pathname);
  useEffect(() => {
    if (previous.current === pathname) return;
    previous.current = pathname;
    window.scrollTo(0, 0);
    main.current?.focus({ preventScroll: true });
  }, [pathname, main]);
}

function Layout() {
  const { t } = useI18n();
  const auth = useAuth();
  const main = useRef<HTMLElement>(null);
  useRouteFocus(main);

  return (
    <>
      <a href="#main" className="skip-link">
        {t.nav.skipToContent}
      </a>
      <Header />
      <VerifyEmailBanner />
      <main id="main" ref={main} tabIndex={-1} className="container main">
        {auth.state.status === 'error' && (
          <div className="stack">
            <p>{t.errors.accountLoadFailed}</p>
            <ErrorMessage error={auth.state.error} onRetry={auth.reload} />
          </div>
        )}
        <Routes />
      </main>
      <footer className="site-footer">
        <div className="container">{t.app.footer}</div>
      </footer>
    </>
  );
}

export function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <Layout />
      </AuthProvider>
    </I18nProvider>
  );
}
