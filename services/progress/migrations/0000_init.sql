CREATE SCHEMA "progress";
--> statement-breakpoint
CREATE TABLE "progress"."course_progress" (
	"user_id" bigint NOT NULL,
	"course_id" bigint NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"last_completed_at" timestamp with time zone NOT NULL,
	"completed_count" integer NOT NULL,
	CONSTRAINT "course_progress_pkey" PRIMARY KEY("user_id","course_id")
);
--> statement-breakpoint
CREATE TABLE "progress"."progress" (
	"user_id" bigint NOT NULL,
	"lesson_id" bigint NOT NULL,
	"course_id" bigint NOT NULL,
	"completed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "progress_pkey" PRIMARY KEY("user_id","lesson_id")
);
--> statement-breakpoint
CREATE INDEX "course_progress_user_recent_idx" ON "progress"."course_progress" USING btree ("user_id","last_completed_at" DESC NULLS FIRST,"course_id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "progress_user_completed_idx" ON "progress"."progress" USING btree ("user_id","completed_at" DESC NULLS FIRST,"lesson_id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "progress_lesson_idx" ON "progress"."progress" USING btree ("lesson_id");--> statement-breakpoint
CREATE INDEX "progress_user_course_idx" ON "progress"."progress" USING btree ("user_id","course_id","completed_at");