CREATE TABLE "progress"."certificate_checks" (
	"user_id" bigint NOT NULL,
	"course_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "certificate_checks_pkey" PRIMARY KEY("user_id","course_id")
);
--> statement-breakpoint
CREATE TABLE "progress"."certificate_pdfs" (
	"certificate_id" text PRIMARY KEY NOT NULL,
	"revoked" boolean NOT NULL,
	"pdf" "bytea" NOT NULL,
	"made_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "progress"."certificates" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" bigint NOT NULL,
	"course_id" bigint NOT NULL,
	"course_title" text NOT NULL,
	"learner" text NOT NULL,
	"locale" text DEFAULT 'en' NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"credential" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "progress"."course_completion_days" (
	"course_id" bigint NOT NULL,
	"days" integer NOT NULL,
	"learners" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "course_completion_days_pkey" PRIMARY KEY("course_id","days")
);
--> statement-breakpoint
CREATE TABLE "progress"."course_stats" (
	"course_id" bigint PRIMARY KEY NOT NULL,
	"started" integer DEFAULT 0 NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "progress"."lesson_stats" (
	"lesson_id" bigint PRIMARY KEY NOT NULL,
	"course_id" bigint NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "progress"."certificate_pdfs" ADD CONSTRAINT "certificate_pdfs_certificate_id_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "progress"."certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "certificates_user_course_idx" ON "progress"."certificates" USING btree ("user_id","course_id");--> statement-breakpoint
-- The counters start from the completions recorded before them (once, here); the writes keep them from now on.
INSERT INTO "progress"."lesson_stats" ("lesson_id", "course_id", "completed")
SELECT "lesson_id", min("course_id"), count(*) FROM "progress"."progress" GROUP BY "lesson_id";--> statement-breakpoint
INSERT INTO "progress"."course_stats" ("course_id", "started", "completed")
SELECT "course_id", count(*), 0 FROM "progress"."course_progress" GROUP BY "course_id";
