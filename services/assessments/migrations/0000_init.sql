CREATE SCHEMA "assessments";
--> statement-breakpoint
CREATE TABLE "assessments"."answers" (
	"attempt_id" bigint NOT NULL,
	"question_id" bigint NOT NULL,
	"response" jsonb,
	"saved_at" timestamp with time zone,
	"points" double precision,
	"comment" text,
	CONSTRAINT "answers_pkey" PRIMARY KEY("attempt_id","question_id")
);
--> statement-breakpoint
CREATE TABLE "assessments"."attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"lesson_id" bigint NOT NULL,
	"course_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"number" integer NOT NULL,
	"seed" integer NOT NULL,
	"paper_version" integer NOT NULL,
	"draw" integer,
	"shuffle_questions" boolean NOT NULL,
	"shuffle_options" boolean NOT NULL,
	"status" text DEFAULT 'in_progress' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deadline" timestamp with time zone,
	"close_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"closed_by_server" boolean DEFAULT false NOT NULL,
	"score" double precision,
	"max_score" double precision,
	"percent" double precision,
	"passed" boolean,
	CONSTRAINT "attempts_number_key" UNIQUE("lesson_id","user_id","number")
);
--> statement-breakpoint
CREATE TABLE "assessments"."completion_outbox" (
	"lesson_id" bigint NOT NULL,
	"user_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"tries" integer DEFAULT 0 NOT NULL,
	"next_try_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"last_error" text,
	CONSTRAINT "completion_outbox_pkey" PRIMARY KEY("lesson_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "assessments"."questions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"lesson_id" bigint NOT NULL,
	"position" integer NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"points" double precision DEFAULT 1 NOT NULL,
	"options" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"answers" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"number" double precision,
	"tolerance" double precision DEFAULT 0 NOT NULL,
	"added_in" integer NOT NULL,
	"removed_in" integer
);
--> statement-breakpoint
CREATE TABLE "assessments"."quizzes" (
	"lesson_id" bigint PRIMARY KEY NOT NULL,
	"course_id" bigint NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"time_limit_seconds" integer,
	"max_attempts" integer,
	"pass_percent" integer DEFAULT 60 NOT NULL,
	"grading" text DEFAULT 'highest' NOT NULL,
	"shuffle_questions" boolean DEFAULT false NOT NULL,
	"shuffle_options" boolean DEFAULT false NOT NULL,
	"draw" integer,
	"show_answers" text DEFAULT 'after_submit' NOT NULL,
	"opens_at" timestamp with time zone,
	"closes_at" timestamp with time zone,
	"grace_seconds" integer DEFAULT 60 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "answers_question_idx" ON "assessments"."answers" USING btree ("question_id");--> statement-breakpoint
CREATE UNIQUE INDEX "attempts_one_in_progress_idx" ON "assessments"."attempts" USING btree ("lesson_id","user_id") WHERE status = 'in_progress';--> statement-breakpoint
CREATE INDEX "attempts_overdue_idx" ON "assessments"."attempts" USING btree ("close_at") WHERE status = 'in_progress';--> statement-breakpoint
CREATE INDEX "attempts_lesson_status_idx" ON "assessments"."attempts" USING btree ("lesson_id","status","id");--> statement-breakpoint
CREATE INDEX "completion_outbox_due_idx" ON "assessments"."completion_outbox" USING btree ("next_try_at") WHERE delivered_at is null and failed_at is null;--> statement-breakpoint
CREATE INDEX "questions_lesson_idx" ON "assessments"."questions" USING btree ("lesson_id","position");